"""The plugin engine: the hook contract, the registry of installed plugins, the probe and dispatch."""
