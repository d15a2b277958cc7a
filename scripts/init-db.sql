-- PostgreSQL's first start in the compose deployment (docker-entrypoint-initdb.d runs it as the superuser).
-- Creates the platform's login role and database; every service then creates and owns its own schema
-- (auth, image, gallery) in its migrations (`python scripts/db.py upgrade`, the compose `migrate` job).
-- The password comes from the container's environment (ZIMAGE_DB_PASSWORD), never from this file;
-- psql stops with an error when it is missing.
\set ON_ERROR_STOP on
\getenv zimage_password ZIMAGE_DB_PASSWORD

CREATE ROLE zimage LOGIN PASSWORD :'zimage_password';
CREATE DATABASE zimage OWNER zimage ENCODING 'UTF8' TEMPLATE template0;

\connect zimage
-- Only the platform role creates objects here: no one else gets `public` (PostgreSQL 15+ default, stated
-- for clarity), and other roles cannot even connect.
REVOKE ALL ON DATABASE zimage FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE zimage TO zimage;
