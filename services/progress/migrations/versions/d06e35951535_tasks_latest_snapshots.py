"""tasks: the latest snapshot of every task

Revision ID: d06e35951535
Revises: bcb143e69462
Create Date: 2026-11-27 09:15:24.303750

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd06e35951535'
down_revision: Union[str, Sequence[str], None] = 'bcb143e69462'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('tasks',
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.String(length=20), nullable=False),
    sa.Column('service', sa.String(length=30), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('submitted_by', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('task_id')
    )
    op.create_index('ix_tasks_employer_submitted', 'tasks', ['employer_id', 'submitted_at'])
    op.create_index('ix_tasks_employer_finished', 'tasks', ['employer_id', 'finished_at'])


def downgrade() -> None:
    op.drop_index('ix_tasks_employer_finished', 'tasks')
    op.drop_index('ix_tasks_employer_submitted', 'tasks')
    op.drop_table('tasks')
