-- What the start-up catch-up reads (IDueWorkStore): Orleans skips a reminder's first tick that is
-- already past, so deadlines that passed while no silo ran are found by these indexes instead. Each
-- holds only what can fall due, in due order, and carries tenant_id for an index-only read: a
-- catch-up reads the overdue prefix and stops, whatever the number of pending rows behind it.
-- Built inside the migration's transaction (not CONCURRENTLY), so writes to each table wait while
-- its index is built: seconds for millions of rows, once.

-- Pending approvals by deadline. The query names status = 'pending' as a literal, which is what lets
-- the planner match the partial index's predicate for every parameter value.
CREATE INDEX IF NOT EXISTS ix_approvals_pending_expiry ON approvals (expires_at, id) INCLUDE (tenant_id) WHERE status = 'pending';

-- When a run falls due: its commit time while it owes an effect not known to be carried out, else the
-- end of its delay or task timeout, else NULL. Set by every write of the run (DueWork.WorkflowDueAt)
-- and cleared by IDueWorkStore.EffectDoneAsync. A node still running the previous version during a
-- rolling upgrade would not set it: upgrade by stopping the old nodes first (as for 0002).
ALTER TABLE workflows ADD COLUMN IF NOT EXISTS due_at timestamptz;

CREATE INDEX IF NOT EXISTS ix_workflows_due ON workflows (due_at, id) INCLUDE (tenant_id) WHERE due_at IS NOT NULL;

-- Rows written before this migration, computed from their state as the store now computes it on each
-- write. An effect is known done when the approvals table shows it (a filed request exists, a cancelled
-- one is no longer pending); any other stored effect counts as owed, and the catch-up visits the run
-- once (carrying out an effect is safe to repeat). least() ignores a NULL wake_at.
UPDATE workflows AS w
SET due_at = CASE
        WHEN json_typeof(w.state -> 'pending_effect') = 'object' AND NOT (
                (w.state -> 'pending_effect' ->> 'kind' = 'file_approval'
                 AND EXISTS (SELECT 1 FROM approvals a WHERE a.id = w.state -> 'pending_effect' ->> 'approval_id'))
             OR (w.state -> 'pending_effect' ->> 'kind' = 'cancel_approval'
                 AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.id = w.state -> 'pending_effect' ->> 'approval_id' AND a.status = 'pending')))
            THEN least(w.updated_at, (w.state ->> 'wake_at')::timestamptz)
        WHEN w.status IN ('completed', 'failed', 'cancelled') THEN NULL
        ELSE (w.state ->> 'wake_at')::timestamptz
    END
WHERE json_typeof(w.state -> 'pending_effect') = 'object' OR w.state ->> 'wake_at' IS NOT NULL;
