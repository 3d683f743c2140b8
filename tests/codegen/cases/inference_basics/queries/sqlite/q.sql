-- name: AuthorsWithBooks :many
-- LEFT JOIN: every book column may be NULL.
SELECT a.id, a.name, a.email, a."default", b.id AS book_id, b.title, b.price, b.published
FROM authors a
LEFT JOIN books b ON b.author_id = a.id
WHERE a.name LIKE ? AND b.price BETWEEN ? AND ?
ORDER BY a.name
LIMIT ? OFFSET ?;

-- name: CountBooks :one
SELECT count(*) AS total, max(price) AS top_price, coalesce(sum(price), 0.0) AS revenue
FROM books WHERE author_id = @author;

-- name: AddBook :one
INSERT INTO books (author_id, title, price, cover) VALUES (?, ?, ?, ?)
RETURNING id, cover;

-- name: SetPrice :execrows
UPDATE books SET price = @price WHERE id = @id AND (@only_title IS NULL OR title = @only_title);

-- name: BooksByIds :many
SELECT id, title FROM books WHERE id IN (?, ?) OR author_id = ? OR author_id = ?;

-- name: HasBooks :one
SELECT EXISTS (SELECT 1 FROM books WHERE author_id = ?) AS has_books,
       CASE WHEN count(*) > 0 THEN 'some' ELSE 'none' END AS label
FROM authors;

-- name: AddAuthor :execlastid
INSERT INTO authors (name, email) VALUES (?, ?);

-- name: BooksByTitles :many
SELECT id, title FROM books WHERE title IN (sqlc.slice(titles)) AND author_id IN (sqlc.slice(authors)) ORDER BY id;

-- name: AddAuthorOnce :execresult
INSERT INTO authors (name, email) VALUES (?, ?) ON CONFLICT (email) DO NOTHING;

-- name: RenameAuthors :execresult
UPDATE authors SET name = @new_name WHERE name = @old_name;

/* name: Ping :exec */
SELECT 1;

/* name: BookTotals :one */
-- Unnamed columns take the engine's names: count, max, column_3.
SELECT count(*), max(price), count(*) + 1 FROM books;

-- name: BookAndAuthor :one
-- Each embed is a nested struct of its table's row type.
SELECT sqlc.embed(b), sqlc.embed(a)
FROM books b
JOIN authors a ON a.id = b.author_id
WHERE b.id = ?;

-- name: AuthorsAndTheirBooks :many
-- A LEFT JOINed embed may be missing: books_valid says whether it is there.
SELECT a.name AS author, sqlc.embed(books)
FROM authors a
LEFT JOIN books ON books.author_id = a.id
ORDER BY a.id, books.id;

-- name: DeleteBooksOf :execresult
-- RETURNING rows are stepped through and dropped; the result counts them.
DELETE FROM books WHERE author_id = ? RETURNING id;
