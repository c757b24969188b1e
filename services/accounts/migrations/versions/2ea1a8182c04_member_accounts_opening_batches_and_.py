"""member accounts, opening batches and info changes

Revision ID: 2ea1a8182c04
Revises: 7ce5cca99800
Create Date: 2026-11-27 09:15:42.516827

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '2ea1a8182c04'
down_revision: Union[str, Sequence[str], None] = '7ce5cca99800'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('opening_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.String(length=20), nullable=True),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('employer_name', sa.String(length=100), nullable=False),
    sa.Column('submitted_by', sa.String(length=50), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('announced', sa.Boolean(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch_no'),
    sa.UniqueConstraint('task_id')
    )
    op.create_index(op.f('ix_opening_batches_unit_account'), 'opening_batches', ['unit_account'], unique=False)
    op.create_table('opening_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('base', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=False),
    sa.Column('household', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_account', 'id_number')
    )
    op.create_index(op.f('ix_opening_drafts_unit_account'), 'opening_drafts', ['unit_account'], unique=False)
    op.create_table('opening_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('base', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=False),
    sa.Column('household', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('column', sa.String(length=20), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['opening_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_opening_rows_batch_state', 'opening_rows', ['batch_id', 'state'], unique=False)
    op.create_table('members',
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('opening_row_id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_type', sa.String(length=2), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('sex', sa.String(length=2), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('base', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('mobile', sa.String(length=11), nullable=False),
    sa.Column('household', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=2), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['opening_batches.id'], ),
    sa.ForeignKeyConstraint(['opening_row_id'], ['opening_rows.id'], ),
    sa.PrimaryKeyConstraint('account_no'),
    sa.UniqueConstraint('opening_row_id')
    )
    op.create_index(op.f('ix_members_batch_id'), 'members', ['batch_id'], unique=False)
    op.create_index(op.f('ix_members_id_number'), 'members', ['id_number'], unique=False)
    op.create_index('ix_members_unit_name', 'members', ['unit_account', 'name'], unique=False)
    op.create_index('uq_members_normal_id', 'members', ['unit_account', 'id_number'], unique=True, postgresql_where=sa.text("status = '01'"), sqlite_where=sa.text("status = '01'"))
    op.create_table('member_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_no', sa.String(length=20), nullable=True),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('member_name', sa.String(length=50), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('clerk_name', sa.String(length=50), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_no'], ['members.account_no'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('change_no')
    )
    op.create_index(op.f('ix_member_changes_unit_account'), 'member_changes', ['unit_account'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_member_changes_unit_account'), table_name='member_changes')
    op.drop_table('member_changes')
    op.drop_index('uq_members_normal_id', table_name='members', postgresql_where=sa.text("status = '01'"), sqlite_where=sa.text("status = '01'"))
    op.drop_index('ix_members_unit_name', table_name='members')
    op.drop_index(op.f('ix_members_id_number'), table_name='members')
    op.drop_index(op.f('ix_members_batch_id'), table_name='members')
    op.drop_table('members')
    op.drop_index('ix_opening_rows_batch_state', table_name='opening_rows')
    op.drop_table('opening_rows')
    op.drop_index(op.f('ix_opening_drafts_unit_account'), table_name='opening_drafts')
    op.drop_table('opening_drafts')
    op.drop_index(op.f('ix_opening_batches_unit_account'), table_name='opening_batches')
    op.drop_table('opening_batches')
