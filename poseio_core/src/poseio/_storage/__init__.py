"""Storage: the bytes poseio reads and writes for itself, safely.

Limits of one load (`_policy`), HDF5 opened without leaving the file (`_safety`, `_hdf5`),
atomic writes and writer locks (`_atomic`, `_locking`), remote URLs (`_remote`), and the
small option files a user names. Imports only the shared leaf modules.
"""
