-- A listing's quality, one of the signals search ranks by: how complete a
-- customer finds it.  Recomputed whenever the listing or its images change.

CREATE FUNCTION listing_quality(l listings, images bigint) RETURNS real
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN least(1, 0.15
        + CASE WHEN images >= 1 THEN 0.25 ELSE 0 END
        + CASE WHEN images >= 3 THEN 0.10 ELSE 0 END
        + CASE WHEN char_length(l.description) >= 100 THEN 0.15 ELSE 0 END
        + CASE WHEN l.brand_id IS NOT NULL THEN 0.10 ELSE 0 END
        + CASE WHEN l.attributes <> '{}' THEN 0.10 ELSE 0 END
        + CASE WHEN cardinality(l.tags) > 0 THEN 0.05 ELSE 0 END
        + CASE WHEN l.price_min IS NOT NULL THEN 0.10 ELSE 0 END)::real;

CREATE FUNCTION listings_set_quality() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.quality := listing_quality(NEW, (SELECT count(*) FROM listing_images
                                         WHERE listing_id = NEW.id));
    RETURN NEW;
END $$;
CREATE TRIGGER listings_quality BEFORE INSERT OR UPDATE ON listings
    FOR EACH ROW EXECUTE FUNCTION listings_set_quality();

CREATE FUNCTION listing_images_quality() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The listings trigger recomputes it.
    UPDATE listings SET quality = quality
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.listing_id ELSE NEW.listing_id END;
    RETURN NULL;
END $$;
CREATE TRIGGER listing_images_quality AFTER INSERT OR DELETE ON listing_images
    FOR EACH ROW EXECUTE FUNCTION listing_images_quality();

UPDATE listings SET quality = quality;
