/**
 * Schemas the migration meets in the field, written for these tests (our own fixtures).
 *
 * SUPABASE_ROLES / SUPABASE_DATABASE: what a Supabase project has that matters here: the API roles, an `auth.uid()`
 * read from the request's JWT claims (here the `request.jwt.claims` setting, as PostgREST sets it), and default
 * privileges that give the API roles ALL on every new table, view, function and sequence in `public`.
 *
 * ISSUE_SHAPED_TABLE: issue 13's table: `cost_estimate NUMERIC(10,4)` and `calculated_cost_cents` (the app's own cost
 * columns), RLS with per-user policies, an existing `token_usage_with_costs` view, and a SECURITY DEFINER function that
 * inserts rows itself (knowing nothing of the reconciliation columns).
 *
 * SEED_HAND_MIGRATION: the seed's hand migration (reconciliation-status.md: the six fields, status defaulting to
 * `pending`, its checks and four indexes), as such a migration is commonly written.
 */

export const SUPABASE_ROLES = `
  CREATE ROLE anon NOLOGIN;
  CREATE ROLE authenticated NOLOGIN;
  CREATE ROLE service_role NOLOGIN BYPASSRLS;
`;

export const SUPABASE_DATABASE = `
  CREATE SCHEMA auth;
  CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('request.jwt.claims', true)::json ->> 'sub', '')::uuid $$;
  GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
  GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
  ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
`;

export const USER_A = '11111111-1111-4111-8111-111111111111';
export const USER_B = '22222222-2222-4222-8222-222222222222';

export const ISSUE_SHAPED_TABLE = `
  CREATE TABLE public.token_usage (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    action_type text NOT NULL,
    model_used text NOT NULL,
    tokens_used integer NOT NULL DEFAULT 0,
    input_tokens integer DEFAULT 0,
    output_tokens integer DEFAULT 0,
    cost_estimate numeric(10, 4) DEFAULT 0,
    calculated_cost_cents integer,
    audio_seconds numeric,
    success boolean DEFAULT true,
    error_message text,
    metadata jsonb DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  ALTER TABLE public.token_usage ENABLE ROW LEVEL SECURITY;
  CREATE POLICY "Users can view their own token usage" ON public.token_usage FOR SELECT USING (auth.uid() = user_id);
  CREATE POLICY "Users can insert their own token usage" ON public.token_usage FOR INSERT WITH CHECK (auth.uid() = user_id);
  CREATE POLICY "Service role can manage token usage" ON public.token_usage FOR ALL TO service_role USING (true);
  CREATE VIEW public.token_usage_with_costs AS
    SELECT id, user_id, action_type, model_used, tokens_used, cost_estimate, calculated_cost_cents, created_at
    FROM public.token_usage;
  CREATE FUNCTION public.record_token_usage(p_user uuid, p_action text, p_model text, p_tokens integer) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    DECLARE new_id uuid;
    BEGIN
      INSERT INTO token_usage (user_id, action_type, model_used, tokens_used) VALUES (p_user, p_action, p_model, p_tokens)
        RETURNING id INTO new_id;
      RETURN new_id;
    END $$;
  INSERT INTO public.token_usage (user_id, action_type, model_used, tokens_used, cost_estimate, calculated_cost_cents) VALUES
    ('${USER_A}', 'category_summary', 'gpt-4o', 1200, 0.0150, 2),
    ('${USER_A}', 'chat', 'gpt-4o-mini', 300, 0.0004, 0),
    ('${USER_B}', 'transcribe', 'whisper-1', 0, 0.0060, 1);
`;

export const SEED_HAND_MIGRATION = `
  ALTER TABLE token_usage
    ADD COLUMN IF NOT EXISTS openai_request_id TEXT,
    ADD COLUMN IF NOT EXISTS openai_created BIGINT,
    ADD COLUMN IF NOT EXISTS system_fingerprint TEXT,
    ADD COLUMN IF NOT EXISTS actual_cost_cents INTEGER,
    ADD COLUMN IF NOT EXISTS reconciled_at TIMESTAMPTZ,
    ADD COLUMN IF NOT EXISTS reconciliation_status TEXT DEFAULT 'pending'
      CHECK (reconciliation_status IN ('pending', 'matched', 'discrepancy', 'not_applicable'));
  ALTER TABLE token_usage ADD CONSTRAINT token_usage_actual_cost_nonnegative CHECK (actual_cost_cents >= 0);
  CREATE INDEX IF NOT EXISTS idx_token_usage_request_id ON token_usage (openai_request_id) WHERE openai_request_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS idx_token_usage_reconciliation_status ON token_usage (reconciliation_status, created_at)
    WHERE reconciliation_status = 'pending';
  CREATE INDEX IF NOT EXISTS idx_token_usage_discrepancies ON token_usage (reconciliation_status, created_at)
    WHERE reconciliation_status = 'discrepancy';
  CREATE INDEX IF NOT EXISTS idx_token_usage_openai_created ON token_usage (openai_created);
  UPDATE token_usage SET openai_request_id = 'chatcmpl-seed1', openai_created = 1763300000 WHERE action_type = 'category_summary';
`;

/**
 * What recon-codemod's earlier migration added on top of the hand migration (the duplicates issue 13 found): its own
 * status check and its four indexes beside the hand-made ones, and its view (no security_invoker, and default
 * privileges gave anon and authenticated ALL on it).
 */
export const EARLIER_RECON_OBJECTS = `
  ALTER TABLE token_usage ADD CONSTRAINT token_usage_reconciliation_status_valid
    CHECK (reconciliation_status IS NULL OR reconciliation_status IN ('pending', 'matched', 'discrepancy', 'not_applicable'));
  ALTER TABLE token_usage ADD CONSTRAINT token_usage_reconciliation_cost_consistent
    CHECK ((reconciled_at IS NULL) = (actual_cost_cents IS NULL));
  CREATE INDEX idx_token_usage_openai_request_id ON token_usage (openai_request_id) WHERE openai_request_id IS NOT NULL;
  CREATE INDEX idx_token_usage_reconciliation_pending ON token_usage (created_at) WHERE reconciliation_status = 'pending';
  CREATE INDEX idx_token_usage_request_id_created_at ON token_usage (created_at) WHERE openai_request_id IS NOT NULL;
  CREATE INDEX idx_token_usage_reconciliation_discrepancy ON token_usage (created_at) WHERE reconciliation_status = 'discrepancy';
  CREATE OR REPLACE VIEW token_usage_reconciliation AS
  SELECT t.id, t.created_at, t.user_id, t.action_type, t.model_used, t.openai_request_id, t.openai_created,
    t.system_fingerprint, t.reconciliation_status, t.calculated_cost_cents AS estimated_cost_cents, t.actual_cost_cents,
    t.actual_cost_cents - t.calculated_cost_cents AS cost_difference_cents, t.reconciled_at
  FROM token_usage AS t;
`;
