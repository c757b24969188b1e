"""a batch's pending rows read in id order from their index

Revision ID: 5b1d7c2e9a40
Revises: c0fbd04c3df4
Create Date: 2026-12-07 18:40:00

A chunk takes a batch's next pending rows by id. With the index on (batch_id, state) alone, every
chunk fetched and sorted all the batch's remaining pending rows (on disk, for a large batch); with
id as the index's third column the rows come in order and the read stops at the chunk's size.
"""
from typing import Sequence, Union

from alembic import op


revision: str = '5b1d7c2e9a40'
down_revision: Union[str, Sequence[str], None] = 'c0fbd04c3df4'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = {"opening_rows": "ix_opening_rows_batch_state", "change_rows": "ix_change_rows_batch_state"}


def upgrade() -> None:
    for table, index in TABLES.items():
        op.drop_index(index, table_name=table)
        op.create_index(index, table, ["batch_id", "state", "id"], unique=False)


def downgrade() -> None:
    for table, index in TABLES.items():
        op.drop_index(index, table_name=table)
        op.create_index(index, table, ["batch_id", "state"], unique=False)
