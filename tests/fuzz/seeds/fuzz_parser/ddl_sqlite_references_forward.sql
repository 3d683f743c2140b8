
-- SQLite resolves a reference when rows are written: a table may reference
-- one created further down the same migration (here: a cycle)
CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT NOT NULL, department_id INTEGER REFERENCES departments (id));
CREATE TABLE departments (id INTEGER PRIMARY KEY, head_id INTEGER REFERENCES employees (id), parent_id INTEGER REFERENCES departments);
