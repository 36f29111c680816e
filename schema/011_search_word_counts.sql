-- How many of each tenant's invoices (not deleted) have each word of their
-- search vector, numbers left out; no row for none. The invoices model
-- keeps it with the document rows, in the same batch.
--
-- A search word is a prefix ('fromag' finds 'fromagerie'). GIN answers a
-- prefix by gathering every match into a bitmap before it hands any over,
-- so counting a word in 10,000 of a tenant's 100,000 invoices cost 12-16 ms
-- however small the cap on the count. With the words listed here the list
-- turns a prefix into the words it stands for (exact lexemes, which GIN
-- reads about twice as fast), answers at once a word that no invoice has,
-- and takes the total of a search for one word from here: at least the
-- count of its most common word, exactly the count of its only one
-- (projections/invoices.cpp, `plan_search`).
--
-- `word` is the folded word without the tenant's tag; collation "C" so that
-- a prefix (LIKE 'fromag%') is a range of the primary key.
CREATE TABLE rm_invoices.word_counts (
  tenant_id uuid NOT NULL,
  word      text COLLATE "C" NOT NULL,
  invoices  bigint NOT NULL,
  PRIMARY KEY (tenant_id, word)
);

-- The words of the rows there are. Each lexeme is the tag (eight hex
-- digits), a colon and the word; a word of digits alone is not counted.
INSERT INTO rm_invoices.word_counts (tenant_id, word, invoices)
SELECT tenant_id, substr(lexeme, 10), count(*)
  FROM rm_invoices.invoices, unnest(tsvector_to_array(search)) lexeme
 WHERE substr(lexeme, 10) ~ '[^0-9]'
 GROUP BY 1, 2;

GRANT SELECT, INSERT, UPDATE, DELETE ON rm_invoices.word_counts
  TO larder_app;
