"""Start eventlet before anything opens a socket (every process entry point calls this), and
keep a lost broker connection from stopping a service (shared.broker)."""
import warnings


def monkey_patch():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
    from shared.broker import survive_lost_connections
    survive_lost_connections()
