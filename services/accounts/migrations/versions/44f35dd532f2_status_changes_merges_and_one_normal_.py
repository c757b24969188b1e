"""status changes, merges and one normal account per person

Revision ID: 44f35dd532f2
Revises: eb27d48355f6
Create Date: 2026-12-01 19:53:40.215712

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '44f35dd532f2'
down_revision: Union[str, Sequence[str], None] = 'eb27d48355f6'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    _refuse_people_with_two_normal_accounts()  # first: on SQLite DDL is not transactional
    op.create_table('account_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merge_no', sa.String(length=20), nullable=True),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('from_account', sa.String(length=20), nullable=False),
    sa.Column('to_account', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('clerk_name', sa.String(length=50), nullable=False),
    sa.Column('merged_on', sa.Date(), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('merge_no')
    )
    with op.batch_alter_table('account_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_merges_from_account'), ['from_account'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_merges_to_account'), ['to_account'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_merges_unit_account'), ['unit_account'], unique=False)

    op.create_table('change_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('row_no', sa.Integer(), nullable=True),
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('base', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('from_unit', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'unit_account', 'account_no')
    )
    op.create_table('change_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('column', sa.String(length=20), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('row_no', sa.Integer(), nullable=True),
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('base', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('from_unit', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['opening_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_rows', schema=None) as batch_op:
        batch_op.create_index('ix_change_rows_batch_state', ['batch_id', 'state'], unique=False)

    op.create_table('status_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('merge_id', sa.Integer(), nullable=True),
    sa.Column('unit_account', sa.String(length=20), nullable=False),
    sa.Column('account_no', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('old_status', sa.String(length=2), nullable=False),
    sa.Column('new_status', sa.String(length=2), nullable=False),
    sa.Column('old_base', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('new_base', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('from_unit', sa.String(length=20), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('clerk_name', sa.String(length=50), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['opening_batches.id'], ),
    sa.ForeignKeyConstraint(['merge_id'], ['account_merges.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_status_changes_account', ['account_no', 'kind', 'changed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_changes_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_status_changes_unit_kind_day', ['unit_account', 'kind', 'changed_on'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('uq_members_normal_id'), sqlite_where=sa.text("status = '01'"))
        batch_op.create_index('uq_members_normal_person', ['id_number'], unique=True, postgresql_where=sa.text("status = '01'"), sqlite_where=sa.text("status = '01'"))

    with op.batch_alter_table('opening_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='open', nullable=False))

    # ### end Alembic commands ###


def _refuse_people_with_two_normal_accounts():
    """Until now one normal account per person was held per employer only. If existing data holds
    a person with normal accounts at two employers, the centre decides which stays normal (the
    other employer seals it at the counter); this migration does not choose for it."""
    twice = op.get_bind().execute(sa.text(
        "SELECT id_number, COUNT(*) FROM members WHERE status = '01' GROUP BY id_number HAVING COUNT(*) > 1"
        " ORDER BY id_number")).all()
    if twice:
        listed = "; ".join(f"{number[:6]}********{number[-4:]} ({count})" for number, count in twice[:20])
        raise RuntimeError(
            f"{len(twice)} person(s) hold more than one normal (01) member account: {listed}. "
            "One normal account per person is now a database constraint. At the counter, seal (02) the "
            "accounts that should not stay normal (SELECT account_no, unit_account FROM members WHERE "
            "status = '01' AND id_number = ...), then run the migration again. Nothing was changed.")


def downgrade() -> None:
    """Downgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('opening_batches', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('uq_members_normal_person', postgresql_where=sa.text("status = '01'"), sqlite_where=sa.text("status = '01'"))
        batch_op.create_index(batch_op.f('uq_members_normal_id'), ['unit_account', 'id_number'], unique=True,
                              postgresql_where=sa.text("status = '01'"), sqlite_where=sa.text("status = '01'"))

    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_status_changes_unit_kind_day')
        batch_op.drop_index(batch_op.f('ix_status_changes_batch_id'))
        batch_op.drop_index('ix_status_changes_account')

    op.drop_table('status_changes')
    with op.batch_alter_table('change_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_change_rows_batch_state')

    op.drop_table('change_rows')
    op.drop_table('change_drafts')
    with op.batch_alter_table('account_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_merges_unit_account'))
        batch_op.drop_index(batch_op.f('ix_account_merges_to_account'))
        batch_op.drop_index(batch_op.f('ix_account_merges_from_account'))

    op.drop_table('account_merges')
    # ### end Alembic commands ###
