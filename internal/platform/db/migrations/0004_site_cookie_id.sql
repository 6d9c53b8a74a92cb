-- A site may identify returning visitors with a first-party cookie set by
-- its tracker (with the visitors' consent) instead of the daily hash.
ALTER TABLE sites ADD COLUMN cookie_id BOOLEAN DEFAULT false;
