
SELECT position('@' IN email), substring(email FROM 2 FOR 3), substring(email FOR 2), overlay(email PLACING 'x' FROM 1),
       trim(BOTH FROM code), trim(FROM code), trim(TRAILING 'x' FROM code), extract(epoch FROM at)
FROM users WHERE geometry_col::geometry(Point, 4326) IS NOT NULL;
