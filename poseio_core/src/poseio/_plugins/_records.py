"""Small typed records that hooks return and that the registry reports."""

from __future__ import annotations

import math

import attrs

#: Confidence bands every sniffer is held to (see ``docs/plugins/confidence.md``).
NOT_MINE = 0.0
#: Only the extension or the container (for example "this is HDF5") matches.
CONTAINER_MATCH = 0.2
#: The container's structure matches (group names, loose attributes) but not its types.
STRUCTURE_MATCH = 0.5
#: The exact typed objects and their namespace match.
TYPED_MATCH = 0.9
#: Certain: a signature that only this format writes.
CERTAIN = 1.0

#: Two claims closer than this on the same part of a file are ambiguous.
AMBIGUITY_MARGIN = 0.05


def _check_confidence(instance: object, attribute: attrs.Attribute, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"confidence must be a number, not {type(value).__name__}")
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"confidence must lie in [0, 1], got {value!r}")


@attrs.frozen
class FormatInfo:
    """A format's static declaration, returned by ``poseio_formats``.

    Attributes:
        name: Unique format name, for example ``"nwb-predictions"``.
        description: One line for listings.
        extensions: File name endings with the dot, lower case, for example
            ``(".nwb",)``; an ending may hold several dots (``".analysis.h5"``).
        can_read: The plugin implements ``poseio_read`` for it.
        can_write: The plugin implements ``poseio_write`` for it.
        can_append: The plugin implements ``poseio_append`` for it.
        read_options: Option names ``poseio_read`` accepts. When several formats
            read parts of one file, each is passed only its own options.
        write_options: Option names ``poseio_write`` accepts. Used to route
            options when several formats write one file; empty means "any".
        append_options: Option names ``poseio_append`` accepts, likewise.
        sniffs_any_name: The sniffer recognises the format's files by content
            whatever their name (NWB files are also called ``.h5``). Otherwise,
            when ``extensions`` are declared, the sniffer is only asked about
            files whose name ends with one of them, so that a slow sniffer of
            one format never slows down the loading of every other.
        folders: The format's data is a folder (a dataset or a project, such as
            a YOLO dataset or a DeepLabCut project). Its sniffer is also asked
            about folders (``poseio.load("dataset/")``), and its writer is given
            a folder to create rather than a file; sniffers of other plugins
            never see folders. It may declare ``extensions`` as well, to claim the
            folder's entry file (``data.yaml``) by name.
        plugin: Set by the registry: the entry-point name of the providing plugin.
        distribution: Set by the registry: the distribution that ships the plugin.
    """

    name: str
    description: str = ""
    extensions: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    can_read: bool = True
    can_write: bool = False
    can_append: bool = False
    read_options: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    write_options: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    append_options: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    sniffs_any_name: bool = False
    folders: bool = False
    plugin: str | None = None
    distribution: str | None = None

    def extension_match(self, filename: str) -> int:
        """How long an ending of ``filename`` this format declares: 0 when none (case ignored).

        The longest match wins when several formats take a name, so that
        ``x.analysis.h5`` goes to the format declaring ``.analysis.h5`` before one
        declaring ``.h5``.
        """
        name = filename.lower()
        return max((len(ext) for ext in self.extensions if name.endswith(ext.lower())), default=0)


@attrs.frozen
class Claim:
    """A sniffer's claim that it can read (part of) a source.

    Attributes:
        format: The claimed format's name.
        confidence: In [0, 1]; see the confidence bands in this module.
        reason: A short human sentence, shown by ``poseio.explain``.
        part: Which part of the source this format covers, for example
            ``"pose-estimation"``. ``None`` claims the whole source. Claims on
            different parts are combined by the dispatcher; claims on the same
            part compete.
        losses: Only in a write claim (`poseio_write_claim`): what this format
            would not carry of the labels, each a short phrase such as
            ``"the user/predicted flag of 20 instances"``. `poseio.save`
            refuses such a write unless the caller passes ``allow_loss=True``.
    """

    format: str
    confidence: float = attrs.field(validator=_check_confidence)
    reason: str = ""
    part: str | None = None
    losses: tuple[str, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class PluginInfo:
    """What the registry knows of one plugin, as listed by ``poseio.plugins()``.

    Attributes:
        name: The entry-point name.
        distribution: The distribution that ships it, if known.
        version: That distribution's version, if known.
        formats: The formats it declares.
        error: Why it failed to load, or ``None`` when it loaded.
        disabled: It was blocked by ``POSEIO_DISABLE_PLUGINS``.
        conflict: Another plugin declares one of its format names, which
            neither then serves (the message says which); ``None`` otherwise.
    """

    name: str
    distribution: str | None = None
    version: str | None = None
    formats: tuple[FormatInfo, ...] = ()
    error: str | None = None
    disabled: bool = False
    conflict: str | None = None

    @property
    def loaded(self) -> bool:
        """Whether the plugin is in use."""
        return self.error is None and not self.disabled


@attrs.frozen
class Verdict:
    """One plugin's answer to one sniff, as reported by ``poseio.explain``.

    Attributes:
        plugin: The plugin asked.
        claims: The valid claims it returned.
        error: What went wrong, if it raised or returned something invalid.
        seconds: How long the sniffer took.
        skipped: Why the sniffer was not called (the file's name matches none
            of the endings its formats declare), or ``None`` when it was.
        exception: The exception the sniffer raised, if it raised (not compared or shown).
    """

    plugin: str
    claims: tuple[Claim, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    skipped: str | None = None
    exception: BaseException | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Finding:
    """One thing a validator found in a file.

    Attributes:
        importance: The validator's own grading, for example ``"ERROR"`` or
            nwbinspector's ``"CRITICAL"`` and ``"BEST_PRACTICE_SUGGESTION"``.
        message: What it found.
        location: Where in the file, when the validator says.
        fails: Whether it makes the file invalid (``poseio validate`` then exits 2).
    """

    importance: str
    message: str
    location: str = ""
    fails: bool = False


@attrs.frozen
class ValidatorReport:
    """What one validator said of one file, as returned by the ``poseio_validate`` hook.

    Attributes:
        validator: Its name, for example ``"pynwb"`` or ``"nwbinspector"``.
        findings: What it found.
        skipped: Why it did not run (for example, it is not installed), or ``None``.
    """

    validator: str
    findings: tuple[Finding, ...] = attrs.field(default=(), converter=tuple)
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        """No finding makes the file invalid."""
        return not any(f.fails for f in self.findings)
