
CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, price REAL NOT NULL, in_stock BOOLEAN NOT NULL DEFAULT 1, cover BLOB);
CREATE TABLE book_prices AS SELECT id AS book_id, title, price * 1.2 AS gross, in_stock, cover, length(title) AS title_len FROM books;
