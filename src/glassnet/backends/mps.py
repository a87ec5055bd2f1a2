"""``glassnet.backends.mps``: Apple's Metal backend is not available (glassnet is NumPy only)."""


def is_available() -> bool:
    """False: glassnet runs on the CPU."""
    return False


def is_built() -> bool:
    """False: glassnet has no Metal build."""
    return False
