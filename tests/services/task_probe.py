"""A stand-in for a service that runs batches: it reports through `TaskReporter` over the real
broker, as every owner of asynchronous submissions does."""
import eventlet
from nameko.rpc import rpc

from shared.tasks import Task, TaskReporter, new_task_id, report_step


def failed_row(row):
    return {"row": row + 1, "column": "证件号码", "message": "证件号码校验位错误",
            "original": {"个人姓名": f"职工{row}", "证件号码": f"=61011319900101{row:04d}"}}


class BatchProbe:
    name = "batch_probe"

    tasks = TaskReporter()

    @rpc
    def run_batch(self, employer_id, total, failed_rows=(), kind="probe_open", title="测试开户",
                  needs_review=False, pause=0.0, task_id=None):
        """Report a batch from queued to final, one snapshot every `report_step` rows."""
        task = Task(task_id or new_task_id(), employer_id, self.name, kind, title=title, total=total,
                    needs_review=needs_review, submitted_by="钱经办")
        self.tasks.report(task)
        task.start()
        step = report_step(total)
        for row in range(1, total + 1):
            if row in failed_rows:
                task.failed += 1
                task.errors.append(failed_row(row))
            else:
                task.done += 1
            if row % step == 0 and row < total:
                self.tasks.report(task)
                eventlet.sleep(pause)
        task.finish("处理完成")
        self.tasks.report(task)
        return {"task_id": task.task_id, "seq": task.seq}
