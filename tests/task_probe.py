"""Stand-ins for a service that runs batches: they report through the task contract over the
real broker, as every owner of asynchronous submissions does."""
import eventlet
from nameko.rpc import rpc

from shared.tasks import Task, TaskReporter, new_task_id, publish_snapshot, report_step, snapshot_publisher


def failed_row(row):
    return {"row": row + 1, "column": "证件号码", "message": "证件号码校验位错误",
            "original": {"个人姓名": f"职工{row}", "证件号码": f"=61011319900101{row:04d}"}}


def run_batch(reporter, employer_id, total, failed_rows=(), kind="probe_open", title="测试开户",
              needs_review=False, pause=0.0, task_id=None, step=None):
    """Report a batch from queued to final, one snapshot every `step` rows (`report_step`)."""
    task = Task(task_id or new_task_id(), employer_id, "batch_probe", kind, title=title, total=total,
                needs_review=needs_review, submitted_by="钱经办")
    reporter.report(task)
    task.start()
    step = step or report_step(total)
    for row in range(1, total + 1):
        if row in failed_rows:
            task.failed += 1
            task.errors.append(failed_row(row))
        else:
            task.done += 1
        if row % step == 0 and row < total:
            reporter.report(task)
            eventlet.sleep(pause)
    task.finish("处理完成")
    reporter.report(task)
    return {"task_id": task.task_id, "seq": task.seq}


class BatchProbe:
    """A service in a container that runs batches with the real `TaskReporter`."""

    name = "batch_probe"

    tasks = TaskReporter()

    @rpc
    def run_batch(self, employer_id, total, **options):
        return run_batch(self.tasks, employer_id, total, **options)


class StandaloneReporter:
    """`TaskReporter` outside a container: for tests that drive the whole system."""

    def __init__(self, amqp_uri):
        self.publisher = snapshot_publisher(amqp_uri)

    def report(self, task):
        task.seq += 1
        publish_snapshot(self.publisher, task.snapshot())
