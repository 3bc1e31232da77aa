"""Running a cycle: the batch runner, its processes and folders, and the reviewer pages.

``runner`` (``kentaudit run``), ``kernels`` and ``zygote`` (fast kernel start-up),
``folders`` (private run folders), ``manifest`` (provenance), ``reviewer`` (executed
notebooks as HTML), ``deathsig``, ``skip_imports`` and ``_forkserver_preload`` (the
runner's own processes). The top layer but the CLI.
"""
__all__: list[str] = []
