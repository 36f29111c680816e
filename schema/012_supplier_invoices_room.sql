-- Room on each page of rm_suppliers.invoices for a second version of its
-- rows. An approval or a payment rewrites an invoice's row without changing
-- a column that an index holds (the key, the supplier and the date it
-- counts under), so with room on the page PostgreSQL makes it a HOT update:
-- the new version goes on the same page and no index gets a new entry.
-- With the pages full (the default fillfactor of 100) every such write
-- moved the row to another page and added an entry to both indexes.
-- Existing pages get the room as their rows are next written elsewhere; a
-- rebuild (`larder projections rebuild suppliers`) gives it to all at once.
ALTER TABLE rm_suppliers.invoices SET (fillfactor = 70);
