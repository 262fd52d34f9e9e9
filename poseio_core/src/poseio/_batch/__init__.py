"""Converting many files (`convert_many`): planning, tasks, engines and the records they report."""

from poseio._batch._convert_many import convert_many

__all__ = ["convert_many"]
