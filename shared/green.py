"""Start eventlet before anything opens a socket (every process entry point calls this)."""
import warnings


def monkey_patch():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
