"""Start eventlet before anything opens a socket (every process entry point calls this), and
install nameko's adjustments (shared.broker): a lost broker connection does not stop a service, and a
reply is kept as its request was."""
import warnings


def monkey_patch():
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet
    eventlet.monkey_patch()
    from shared import broker
    broker.install()
