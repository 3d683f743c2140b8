-- name: ListBooksByAuthor :many
SELECT b.id, b.title, b.year, a.name AS author
FROM books b JOIN authors a ON a.id = b.author_id
WHERE a.id = $1
ORDER BY b.year, b.title;

-- name: DeleteBook :execrows
DELETE FROM books WHERE id = $1;
