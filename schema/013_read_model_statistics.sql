-- The planner's statistics of a read model's tables, refreshed by the model
-- itself when it has just added many rows (projections/invoices.cpp,
-- `statistics_upkeep`): autovacuum analyzes a table only once it grew by a
-- tenth, and not before its next round, so a tenant's first thousands of
-- invoices were planned as if it had one, and a list that joins two of its
-- tables compared every pair of rows.
--
-- PostgreSQL 15 lets only a table's owner analyze it, and the models write
-- as larder_app; this function analyzes one table of a read model's schema
-- (rm, rm_*, and a rebuild's copies) as the owner, and nothing else. It
-- lives in public, which a rebuild's schema swap does not replace.
CREATE FUNCTION public.larder_analyze(target regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  schema_name text;
BEGIN
  SELECT n.nspname INTO schema_name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = target AND c.relkind = 'r';
  IF schema_name IS NULL
     OR NOT (schema_name = 'rm' OR schema_name LIKE 'rm\_%') THEN
    RAISE EXCEPTION 'larder_analyze: % is not a read model table', target
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('ANALYZE %s', target);
END
$$;

REVOKE ALL ON FUNCTION public.larder_analyze(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.larder_analyze(regclass) TO larder_app;
