-- A text search within a category: the listing's words carry its category
-- and each ancestor as marks, lexemes ' category <id>' (a leading space,
-- which no word that the text parser makes, in a listing or in a query,
-- starts with: no search or prefix can match a mark by accident).  The
-- text index then finds the matches within a category itself.  Before,
-- "wat" within a top category read all 7,500 listings with a word that
-- starts so, across the 100,000 of the benchmark's catalogue, to keep
-- none: 17 ms, 70 ms under load.
--
-- The lists keep their category filter (category_id in the subtree): a
-- mark that is late (below) never shows a listing outside the category.

-- The marks of a category path.
CREATE FUNCTION listing_category_marks(path bigint[]) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN array_to_tsvector(ARRAY(SELECT ' category ' || id
                                     FROM unnest(path) AS id));

-- 0008's, with the marks.  The listing's category is read FOR SHARE: a
-- category that moves (its path changes) waits for the listing to
-- commit, and its trigger below then marks it anew; a listing that waits
-- for a move reads the path it leaves.
CREATE OR REPLACE FUNCTION listings_search_update() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    brand text;
    category text;
    category_path bigint[];
BEGIN
    SELECT name INTO brand FROM brands WHERE id = NEW.brand_id;
    SELECT path INTO category_path FROM categories
     WHERE id = NEW.category_id FOR SHARE;
    SELECT string_agg(c.name, ' ' ORDER BY array_position(category_path,
                                                       c.id))
      INTO category
      FROM categories c WHERE c.id = ANY (category_path);
    NEW.search := listing_search_vector(NEW.title, brand, category,
                                        NEW.tags, NEW.description)
                  || listing_category_marks(coalesce(category_path, '{}'));
    IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title THEN
        PERFORM search_words_add(NEW.title);
    END IF;
    RETURN NEW;
END $$;

-- A category moved under another changes the path of each category below
-- it too (0008's categories_move_subtree, a statement of its own, after
-- categories_reindex has read the listings of the whole subtree with the
-- paths they had): the listings of each of those are read again with the
-- new path, for their marks and their categories' names.  The category
-- moved itself (its parent changed) is categories_reindex's.
CREATE FUNCTION categories_marks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listings SET category_id = category_id WHERE category_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER categories_marks AFTER UPDATE ON categories
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path
                       AND OLD.parent_id IS NOT DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION categories_marks();

-- The listings there are: their words with the marks.  Not an edit of
-- theirs, so updated_at stays.
ALTER TABLE listings DISABLE TRIGGER listings_updated_at;
UPDATE listings l
   SET search = l.search || listing_category_marks(c.path)
  FROM categories c
 WHERE c.id = l.category_id;
ALTER TABLE listings ENABLE TRIGGER listings_updated_at;
