//! SeaORM storage for Homeroom (SQLite and PostgreSQL). Filled in by the SeaORM backend work.
