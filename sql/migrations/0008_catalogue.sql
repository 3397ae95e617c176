-- Vendors' profiles, the catalogue (categories, brands, attributes,
-- listings, variants, images), inventory (locations, stock, the movements
-- ledger, reservations) and what search needs (weighted text, words for
-- typo correction, synonyms).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Distances on the earth's surface for service radii and "near me";
-- earthdistance needs cube.
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;
-- levenshtein(), to pick the nearest word when correcting a typo.
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- Where a pincode area is, for "deliverable to" by radius.
ALTER TABLE regions
    ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon double precision CHECK (lon BETWEEN -180 AND 180),
    ADD CHECK ((lat IS NULL) = (lon IS NULL));

-- A pincode: six digits, not starting with 0.
CREATE FUNCTION pincodes_valid(p text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN NOT EXISTS (SELECT 1 FROM unnest(p) x WHERE x IS NULL
                       OR x !~ '^[1-9][0-9]{5}$');

-- --- vendors ---------------------------------------------------------------

ALTER TABLE vendors
    ADD COLUMN description      text NOT NULL DEFAULT ''
                                CHECK (char_length(description) <= 5000),
    -- The logo in the media store (sha256 of its bytes), with its
    -- resized variants.
    ADD COLUMN logo_key         text CHECK (logo_key ~ '^[0-9a-f]{64}$'),
    ADD COLUMN logo_thumb_key   text CHECK (logo_thumb_key ~ '^[0-9a-f]{64}$'),
    ADD COLUMN lat              double precision CHECK (lat BETWEEN -90 AND 90),
    ADD COLUMN lon              double precision CHECK (lon BETWEEN -180 AND 180),
    -- Where the vendor delivers or serves: listed pincodes, or within a
    -- radius of its location, or both.
    ADD COLUMN service_pincodes text[] NOT NULL DEFAULT '{}'
                                CHECK (cardinality(service_pincodes) <= 2000
                                       AND pincodes_valid(service_pincodes)),
    ADD COLUMN service_radius_m int CHECK (service_radius_m BETWEEN 100 AND 500000),
    -- {"mon": [["09:00", "13:00"], ["16:00", "21:00"]], ...}: soukd
    -- checks the shape; a missing day is closed.
    ADD COLUMN opening_hours    jsonb NOT NULL DEFAULT '{}'
                                CHECK (jsonb_typeof(opening_hours) = 'object'),
    ADD COLUMN timezone         text NOT NULL DEFAULT 'Asia/Kolkata',
    ADD COLUMN contact_name     text CHECK (char_length(contact_name) BETWEEN 1 AND 100),
    -- Reviews (a later issue) keep these current.
    ADD COLUMN rating_avg       numeric(3,2) CHECK (rating_avg BETWEEN 1 AND 5),
    ADD COLUMN rating_count     int NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    ADD CHECK ((lat IS NULL) = (lon IS NULL)),
    ADD CHECK (service_radius_m IS NULL OR lat IS NOT NULL),
    ADD CHECK (char_length(status_reason) <= 2000);

CREATE INDEX vendors_status ON vendors (status, id);
CREATE INDEX vendors_created ON vendors (created_at, id);
CREATE INDEX vendors_badges ON vendors USING gin (badges);
CREATE INDEX vendors_name_trgm ON vendors USING gin (name gin_trgm_ops);
CREATE INDEX vendors_earth ON vendors USING gist (ll_to_earth(lat, lon))
    WHERE lat IS NOT NULL;
CREATE INDEX vendors_service_pincodes ON vendors USING gin (service_pincodes);

-- Field visits and notes by regional staff.
CREATE TABLE vendor_notes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id   bigint NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('visit', 'note')),
    body        text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    -- When the visit took place (visits only).
    visited_at  timestamptz,
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'visit') = (visited_at IS NOT NULL))
);
CREATE INDEX vendor_notes_vendor ON vendor_notes (vendor_id, id DESC);

-- A vendor's stores and warehouses; stock is kept per location.
CREATE TABLE stock_locations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id   bigint NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    address     text CHECK (char_length(address) <= 500),
    pincode     text CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vendor_id, name)
);
CREATE TRIGGER stock_locations_updated_at BEFORE UPDATE ON stock_locations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Every vendor starts with one location, and vendors made before this
-- migration get theirs now.
CREATE FUNCTION vendors_first_location() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stock_locations (vendor_id, name, address, pincode)
    VALUES (NEW.id, 'Main store', left(NEW.address, 500), NEW.pincode);
    RETURN NULL;
END $$;
CREATE TRIGGER vendors_first_location AFTER INSERT ON vendors
    FOR EACH ROW EXECUTE FUNCTION vendors_first_location();
INSERT INTO stock_locations (vendor_id, name, address, pincode)
    SELECT id, 'Main store', left(address, 500), pincode FROM vendors;

-- --- the catalogue ---------------------------------------------------------

-- Categories form a tree, like regions; path holds the ids from the root.
CREATE TABLE categories (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id   bigint REFERENCES categories (id) ON DELETE RESTRICT,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
                                            AND char_length(slug) <= 100),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100
                                     AND name = btrim(name)),
    -- Names in other languages: {"hi": "मोबाइल फ़ोन"}.
    names       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(names) = 'object'),
    position    int NOT NULL DEFAULT 0,
    -- Whether listings need a moderator: none, new (new listings), all
    -- (new and edited); NULL: as the parent says (none at the root).
    review      text CHECK (review IN ('none', 'new', 'all')),
    path        bigint[] NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (parent_id, name)
);
CREATE INDEX categories_parent ON categories (parent_id, position, id);
CREATE INDEX categories_path ON categories USING gin (path);
CREATE INDEX categories_name_trgm ON categories USING gin (lower(name) gin_trgm_ops);

CREATE FUNCTION categories_set_path() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    parent_path bigint[];
BEGIN
    IF NEW.parent_id IS NULL THEN
        NEW.path := ARRAY[NEW.id];
        RETURN NEW;
    END IF;
    SELECT path INTO parent_path FROM categories WHERE id = NEW.parent_id;
    IF NOT FOUND THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('parent category %s does not exist', NEW.parent_id),
            CONSTRAINT = 'categories_parent_id_fkey';
    END IF;
    IF NEW.id = ANY (parent_path) THEN
        RAISE check_violation USING
            MESSAGE = 'a category cannot be moved under itself',
            CONSTRAINT = 'categories_no_cycle';
    END IF;
    IF cardinality(parent_path) >= 6 THEN
        RAISE check_violation USING
            MESSAGE = 'categories nest at most 6 deep',
            CONSTRAINT = 'categories_depth';
    END IF;
    NEW.path := parent_path || NEW.id;
    RETURN NEW;
END $$;

CREATE FUNCTION categories_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE categories
       SET path = NEW.path || path[cardinality(OLD.path) + 1:]
     WHERE path @> ARRAY[NEW.id] AND id <> NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER categories_path BEFORE INSERT OR UPDATE OF parent_id
    ON categories FOR EACH ROW EXECUTE FUNCTION categories_set_path();
CREATE TRIGGER categories_subtree AFTER UPDATE OF parent_id ON categories
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION categories_move_subtree();
CREATE TRIGGER categories_updated_at BEFORE UPDATE ON categories
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The review rule in force for a category: its own, else the nearest
-- ancestor's, else none.
CREATE FUNCTION category_review(category bigint) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN coalesce((SELECT a.review FROM categories c
                     JOIN categories a ON a.id = ANY (c.path)
                     WHERE c.id = category AND a.review IS NOT NULL
                     ORDER BY cardinality(a.path) DESC LIMIT 1), 'none');

CREATE TABLE brands (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'
                                            AND char_length(slug) <= 100),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100
                                     AND name = btrim(name)),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX brands_name ON brands (lower(name));
CREATE INDEX brands_name_trgm ON brands USING gin (lower(name) gin_trgm_ops);
CREATE TRIGGER brands_updated_at BEFORE UPDATE ON brands
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Typed attributes: text, number (with a unit), enum (one of options),
-- boolean.  Listings hold their values as {"code": value}.
CREATE TABLE attributes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,49}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    type        text NOT NULL CHECK (type IN ('text', 'number', 'enum', 'boolean')),
    unit        text CHECK (char_length(unit) BETWEEN 1 AND 20),
    options     text[] CHECK (cardinality(options) BETWEEN 1 AND 200),
    -- Offered as a filter and counted in facets.
    facet       boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((type = 'enum') = (options IS NOT NULL)),
    CHECK (unit IS NULL OR type = 'number')
);
CREATE TRIGGER attributes_updated_at BEFORE UPDATE ON attributes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The attributes allowed in a category (and, through the tree, in its
-- subcategories).
CREATE TABLE category_attributes (
    category_id   bigint NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    attribute_id  bigint NOT NULL REFERENCES attributes (id) ON DELETE RESTRICT,
    required      boolean NOT NULL DEFAULT false,
    position      int NOT NULL DEFAULT 0,
    PRIMARY KEY (category_id, attribute_id)
);
CREATE INDEX category_attributes_attribute ON category_attributes (attribute_id);

-- Words of listing titles, categories and brands, for correcting typos
-- in a query ("moblie" → "mobile").  Triggers add; the daily
-- search.words job removes the words nothing uses any more.
CREATE TABLE search_words (
    word  text PRIMARY KEY CHECK (char_length(word) BETWEEN 2 AND 60)
);
CREATE INDEX search_words_trgm ON search_words USING gin (word gin_trgm_ops);

-- "mobile" = "phone": a query for a term also finds its synonyms.
CREATE TABLE search_synonyms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term        text NOT NULL UNIQUE CHECK (char_length(term) BETWEEN 1 AND 60
                                            AND term = lower(btrim(term))),
    synonyms    text[] NOT NULL CHECK (cardinality(synonyms) BETWEEN 1 AND 20),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER search_synonyms_updated_at BEFORE UPDATE ON search_synonyms
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The words of a text as search keeps them: lower case, split at
-- anything that is not a letter, digit or mark (Devanagari vowel signs
-- are marks).
CREATE FUNCTION search_split(t text) RETURNS SETOF text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT w FROM regexp_split_to_table(lower(t),
            '[^[:alnum:]\u0900-\u097f]+') w
         WHERE char_length(w) BETWEEN 2 AND 60;
    END;

-- In word order, so that two writers adding the same new words wait for
-- each other instead of deadlocking.
CREATE FUNCTION search_words_add(t text) RETURNS void
    LANGUAGE sql
    BEGIN ATOMIC
        INSERT INTO search_words (word)
        SELECT DISTINCT w FROM search_split(t) w ORDER BY w
        ON CONFLICT DO NOTHING;
    END;

-- A customer's query as a tsquery: every word must match (AND), each as
-- written, as its English stem, as its synonyms, and, for a word no
-- listing uses, as the nearest word that one does (at most 2 edits away;
-- 1 for words of 4 letters or fewer).  The last word also matches as a
-- prefix, since people are still typing it.  At most 10 words count.
-- NULL when the query holds no word.
CREATE FUNCTION search_query(q text) RETURNS tsquery
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET pg_trgm.similarity_threshold = 0.2
AS $$
DECLARE
    words text[] := ARRAY(SELECT search_split(left(q, 1000)) LIMIT 10);
    n int := cardinality(words);
    w text;
    alt text;
    alts text[];
    near text;
    clause tsquery;
    result tsquery;
BEGIN
    FOR i IN 1 .. n LOOP
        w := words[i];
        alts := ARRAY[w];
        IF NOT EXISTS (SELECT 1 FROM search_words WHERE word = w) THEN
            near := NULL;
            SELECT word INTO near FROM search_words
             WHERE word % w AND levenshtein(word, w) <=
                   CASE WHEN char_length(w) <= 4 THEN 1 ELSE 2 END
             ORDER BY levenshtein(word, w), word <-> w, word LIMIT 1;
            IF near IS NOT NULL THEN
                alts := alts || near;
            END IF;
        END IF;
        alts := alts || ARRAY(
            SELECT DISTINCT x FROM search_synonyms s, unnest(s.term || s.synonyms) x
             WHERE (s.term = ANY (alts) OR s.synonyms && alts) AND x <> ALL (alts));
        -- search_split's words are letters and digits only: safe in a
        -- tsquery as they are.
        clause := CASE WHEN i = n THEN to_tsquery('simple', w || ':*')
                       ELSE to_tsquery('simple', w) END;
        FOREACH alt IN ARRAY alts LOOP
            IF alt <> w THEN
                clause := clause || phraseto_tsquery('simple', alt);
            END IF;
            IF numnode(phraseto_tsquery('english', alt)) > 0 THEN
                clause := clause || phraseto_tsquery('english', alt);
            END IF;
        END LOOP;
        result := CASE WHEN result IS NULL THEN clause ELSE result && clause END;
    END LOOP;
    RETURN result;
END $$;

CREATE TABLE listings (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vendor_id        bigint NOT NULL REFERENCES vendors (id),
    kind             text NOT NULL CHECK (kind IN ('product', 'service')),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    category_id      bigint NOT NULL REFERENCES categories (id),
    brand_id         bigint REFERENCES brands (id),
    -- {"code": value} for the attributes of its category.
    attributes       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    tags             text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 30),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft',
                         'pending_review', 'active', 'rejected', 'archived')),
    -- Why a moderator rejected it.
    status_reason    text CHECK (char_length(status_reason) <= 2000),
    -- Ranking signals: listing quality (completeness, images), units
    -- sold, reviews.
    quality          real NOT NULL DEFAULT 0.5 CHECK (quality BETWEEN 0 AND 1),
    popularity       bigint NOT NULL DEFAULT 0 CHECK (popularity >= 0),
    rating_avg       numeric(3,2) CHECK (rating_avg BETWEEN 1 AND 5),
    rating_count     int NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    -- The cheapest and dearest active variant, kept by a trigger.
    price_min        bigint CHECK (price_min >= 0),
    price_max        bigint CHECK (price_max >= price_min),
    currency         text NOT NULL DEFAULT 'INR' CHECK (currency ~ '^[A-Z]{3}$'),
    -- Title (A), brand and category (B), tags (C), description (D); kept
    -- by a trigger, in the english configuration (stems) and the simple
    -- one (words as written, Devanagari included).
    search           tsvector NOT NULL DEFAULT '',
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz,
    CHECK (status <> 'rejected' OR status_reason IS NOT NULL)
);
CREATE INDEX listings_vendor ON listings (vendor_id, status, id);
CREATE INDEX listings_status ON listings (status, id);
CREATE INDEX listings_category_active ON listings (category_id, id) WHERE status = 'active';
CREATE INDEX listings_brand_active ON listings (brand_id, id) WHERE status = 'active';
CREATE INDEX listings_newest_active ON listings (published_at DESC, id DESC) WHERE status = 'active';
CREATE INDEX listings_price_active ON listings (price_min, id) WHERE status = 'active';
CREATE INDEX listings_popular_active ON listings (popularity DESC, id DESC) WHERE status = 'active';
CREATE INDEX listings_search ON listings USING gin (search) WHERE status = 'active';
CREATE INDEX listings_title_trgm ON listings USING gin (lower(title) gin_trgm_ops)
    WHERE status = 'active';
CREATE INDEX listings_attributes ON listings USING gin (attributes jsonb_path_ops)
    WHERE status = 'active';
CREATE INDEX listings_tags ON listings USING gin (tags) WHERE status = 'active';
CREATE TRIGGER listings_updated_at BEFORE UPDATE ON listings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE FUNCTION listing_search_vector(title text, brand text, category text,
    tags text[], description text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('simple', title), 'A')
        || setweight(to_tsvector('english', coalesce(brand, '') || ' ' || coalesce(category, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(brand, '') || ' ' || coalesce(category, '')), 'B')
        || setweight(to_tsvector('simple', array_to_string(tags, ' ')), 'C')
        || setweight(to_tsvector('english', left(description, 4000)), 'D');

CREATE FUNCTION listings_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    brand text;
    category text;
BEGIN
    SELECT name INTO brand FROM brands WHERE id = NEW.brand_id;
    SELECT string_agg(c.name, ' ') INTO category
      FROM categories c JOIN categories me ON c.id = ANY (me.path)
     WHERE me.id = NEW.category_id;
    NEW.search := listing_search_vector(NEW.title, brand, category,
                                        NEW.tags, NEW.description);
    IF TG_OP = 'INSERT' OR NEW.title IS DISTINCT FROM OLD.title THEN
        PERFORM search_words_add(NEW.title);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER listings_search BEFORE INSERT OR UPDATE OF title, description,
    tags, brand_id, category_id ON listings
    FOR EACH ROW EXECUTE FUNCTION listings_search_update();

CREATE FUNCTION names_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_words_add(NEW.name);
    RETURN NULL;
END $$;
CREATE TRIGGER categories_words AFTER INSERT OR UPDATE OF name ON categories
    FOR EACH ROW EXECUTE FUNCTION names_search_words();
CREATE TRIGGER brands_words AFTER INSERT OR UPDATE OF name ON brands
    FOR EACH ROW EXECUTE FUNCTION names_search_words();

-- A renamed brand or category changes the text of its listings.
CREATE FUNCTION brands_reindex() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listings SET brand_id = brand_id WHERE brand_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER brands_reindex AFTER UPDATE OF name ON brands
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION brands_reindex();
CREATE FUNCTION categories_reindex() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE listings SET category_id = category_id
     WHERE category_id IN (SELECT id FROM categories WHERE path @> ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER categories_reindex AFTER UPDATE OF name, parent_id ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name
                       OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION categories_reindex();

-- Every status change of a listing, with who made it.
CREATE TABLE listing_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id  bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    from_status text,
    to_status   text NOT NULL,
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_role  text,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listing_events_listing ON listing_events (listing_id, id);

-- Product variants (SKU, options, stock) and service variants
-- (duration, service area).
CREATE TABLE variants (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id        bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    -- The listing's vendor, so that a SKU is unique per vendor.
    vendor_id         bigint NOT NULL REFERENCES vendors (id),
    sku               text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
    -- {"size": "M", "colour": "red"}
    options           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    price             bigint NOT NULL CHECK (price BETWEEN 0 AND 100000000000),
    compare_at_price  bigint CHECK (compare_at_price > price),
    weight_grams      int CHECK (weight_grams BETWEEN 0 AND 10000000),
    -- Services: how long it takes and where (empty and NULL: the
    -- vendor's own service area).
    duration_minutes  int CHECK (duration_minutes BETWEEN 1 AND 10080),
    service_pincodes  text[] NOT NULL DEFAULT '{}'
                      CHECK (cardinality(service_pincodes) <= 2000
                             AND pincodes_valid(service_pincodes)),
    service_radius_m  int CHECK (service_radius_m BETWEEN 100 AND 500000),
    -- Available stock (all locations) at or below this tells the vendor.
    low_stock_at      int NOT NULL DEFAULT 5 CHECK (low_stock_at >= 0),
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
    position          int NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (vendor_id, sku)
);
CREATE INDEX variants_listing ON variants (listing_id, position, id);
CREATE TRIGGER variants_updated_at BEFORE UPDATE ON variants
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A variant belongs to its listing's vendor.
CREATE FUNCTION variants_vendor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT vendor_id INTO NEW.vendor_id FROM listings WHERE id = NEW.listing_id;
    RETURN NEW;
END $$;
CREATE TRIGGER variants_vendor BEFORE INSERT OR UPDATE OF listing_id ON variants
    FOR EACH ROW EXECUTE FUNCTION variants_vendor();

CREATE FUNCTION variants_listing_prices() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lid bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.listing_id ELSE NEW.listing_id END;
BEGIN
    UPDATE listings l SET price_min = p.lo, price_max = p.hi
      FROM (SELECT min(price) lo, max(price) hi FROM variants
             WHERE listing_id = lid AND status = 'active') p
     WHERE l.id = lid AND (l.price_min IS DISTINCT FROM p.lo
                           OR l.price_max IS DISTINCT FROM p.hi);
    RETURN NULL;
END $$;
CREATE TRIGGER variants_listing_prices AFTER INSERT OR DELETE OR UPDATE OF price, status
    ON variants FOR EACH ROW EXECUTE FUNCTION variants_listing_prices();

CREATE TABLE listing_images (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    listing_id    bigint NOT NULL REFERENCES listings (id) ON DELETE CASCADE,
    -- The upload as received, and the resized variants, in the media store.
    original_key  text NOT NULL CHECK (original_key ~ '^[0-9a-f]{64}$'),
    medium_key    text NOT NULL CHECK (medium_key ~ '^[0-9a-f]{64}$'),
    thumb_key     text NOT NULL CHECK (thumb_key ~ '^[0-9a-f]{64}$'),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    width         int NOT NULL CHECK (width > 0),
    height        int NOT NULL CHECK (height > 0),
    size          int NOT NULL CHECK (size > 0),
    alt           text CHECK (char_length(alt) <= 200),
    position      int NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX listing_images_listing ON listing_images (listing_id, position, id);
CREATE INDEX listing_images_original ON listing_images (original_key);
CREATE INDEX listing_images_medium ON listing_images (medium_key);
CREATE INDEX listing_images_thumb ON listing_images (thumb_key);
CREATE INDEX vendors_logo ON vendors (logo_key) WHERE logo_key IS NOT NULL;
CREATE INDEX vendors_logo_thumb ON vendors (logo_thumb_key) WHERE logo_thumb_key IS NOT NULL;

-- --- inventory -------------------------------------------------------------

-- Per variant and location: available (free to sell) and reserved (held
-- for orders).  Reserving moves units from available to reserved with a
-- conditional update; the CHECKs make overselling impossible whatever the
-- code does.
CREATE TABLE stock (
    variant_id   bigint NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    location_id  bigint NOT NULL REFERENCES stock_locations (id) ON DELETE RESTRICT,
    available    int NOT NULL DEFAULT 0 CHECK (available >= 0),
    reserved     int NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (variant_id, location_id)
);
CREATE INDEX stock_location ON stock (location_id);
CREATE INDEX stock_in ON stock (variant_id) WHERE available > 0;

-- The ledger: every change of stock, signed, with what it left.
CREATE TABLE stock_movements (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    variant_id       bigint NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    location_id      bigint NOT NULL REFERENCES stock_locations (id),
    kind             text NOT NULL CHECK (kind IN ('restock', 'sale',
                         'reservation', 'release', 'adjustment')),
    -- Change of available and of reserved.
    available_delta  int NOT NULL,
    reserved_delta   int NOT NULL,
    available_after  int NOT NULL,
    reserved_after   int NOT NULL,
    note             text CHECK (char_length(note) <= 500),
    reservation_id   bigint,
    actor_id         bigint REFERENCES users (id) ON DELETE SET NULL,
    at               timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'adjustment' OR note IS NOT NULL)
);
CREATE INDEX stock_movements_variant ON stock_movements (variant_id, id DESC);
CREATE INDEX stock_movements_sales ON stock_movements (variant_id, at) WHERE kind = 'sale';

-- Units held for an order (or by the vendor by hand): held until
-- committed (sold), released, or expired by the stock.expire job.
CREATE TABLE stock_reservations (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    variant_id   bigint NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    location_id  bigint NOT NULL REFERENCES stock_locations (id),
    quantity     int NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    state        text NOT NULL DEFAULT 'held' CHECK (state IN ('held',
                     'committed', 'released', 'expired')),
    -- What it is for: "order:123", or the vendor's own words.
    ref          text NOT NULL CHECK (char_length(ref) BETWEEN 1 AND 100),
    expires_at   timestamptz,
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    CHECK ((state = 'held') = (closed_at IS NULL))
);
CREATE INDEX stock_reservations_variant ON stock_reservations (variant_id, id DESC);
CREATE INDEX stock_reservations_expiry ON stock_reservations (expires_at)
    WHERE state = 'held' AND expires_at IS NOT NULL;
ALTER TABLE stock_movements ADD FOREIGN KEY (reservation_id)
    REFERENCES stock_reservations (id);

-- --- messages --------------------------------------------------------------

INSERT INTO notification_templates (kind, channel, language, subject, body, html) VALUES
 ('stock.low', 'email', 'en', 'Low stock: {{listing.title}} ({{variant.sku}})',
  E'Hello {{user.name}},\n\n{{listing.title}} ({{variant.sku}}) is down to {{stock.available}} in stock. Restock it so that customers can keep ordering.',
  NULL),
 ('stock.low', 'email', 'hi', 'स्टॉक कम: {{listing.title}} ({{variant.sku}})',
  E'नमस्ते {{user.name}},\n\n{{listing.title}} ({{variant.sku}}) का स्टॉक {{stock.available}} रह गया है। ग्राहक ऑर्डर करते रहें, इसके लिए स्टॉक भरें।',
  NULL),
 ('stock.low', 'push', 'en', 'Low stock',
  '{{listing.title}} ({{variant.sku}}): {{stock.available}} left', NULL),
 ('stock.low', 'push', 'hi', 'स्टॉक कम',
  '{{listing.title}} ({{variant.sku}}): {{stock.available}} बचे हैं', NULL),
 ('listing.approved', 'email', 'en', '{{listing.title}} is live',
  E'Hello {{user.name}},\n\nYour listing {{listing.title}} was approved and customers can see it now.', NULL),
 ('listing.approved', 'email', 'hi', '{{listing.title}} अब दिख रहा है',
  E'नमस्ते {{user.name}},\n\nआपकी लिस्टिंग {{listing.title}} स्वीकृत हो गई है और अब ग्राहकों को दिख रही है।', NULL),
 ('listing.rejected', 'email', 'en', '{{listing.title}} was not approved',
  E'Hello {{user.name}},\n\nYour listing {{listing.title}} was not approved: {{reason}}\n\nEdit it and submit it again.', NULL),
 ('listing.rejected', 'email', 'hi', '{{listing.title}} स्वीकृत नहीं हुआ',
  E'नमस्ते {{user.name}},\n\nआपकी लिस्टिंग {{listing.title}} स्वीकृत नहीं हुई: {{reason}}\n\nइसे सुधारकर फिर से भेजें।', NULL),
 ('vendor.suspended', 'email', 'en', '{{vendor.name}} is suspended',
  E'Hello {{user.name}},\n\n{{vendor.name}} is suspended on souk: {{reason}}\n\nYour listings are hidden from customers until it is reactivated. Contact your regional souk office.', NULL),
 ('vendor.suspended', 'email', 'hi', '{{vendor.name}} निलंबित',
  E'नमस्ते {{user.name}},\n\n{{vendor.name}} souk पर निलंबित है: {{reason}}\n\nदोबारा सक्रिय होने तक आपकी लिस्टिंग ग्राहकों को नहीं दिखेंगी। अपने क्षेत्रीय souk कार्यालय से संपर्क करें।', NULL),
 ('vendor.suspended', 'sms', 'en', NULL,
  'souk: {{vendor.name}} is suspended: {{reason}}. Contact your regional souk office.', NULL),
 ('vendor.reactivated', 'email', 'en', '{{vendor.name}} is active again',
  E'Hello {{user.name}},\n\n{{vendor.name}} is active again on souk and customers can see your listings.', NULL),
 ('vendor.reactivated', 'email', 'hi', '{{vendor.name}} फिर से सक्रिय',
  E'नमस्ते {{user.name}},\n\n{{vendor.name}} souk पर फिर से सक्रिय है और ग्राहक आपकी लिस्टिंग देख सकते हैं।', NULL),
 ('vendor.reactivated', 'sms', 'en', NULL,
  'souk: {{vendor.name}} is active again.', NULL);
