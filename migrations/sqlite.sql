-- django_session as Django 3.2.25 and 5.2.17 create it on sqlite (output of `manage.py sqlmigrate sessions 0001`, identical in both).
-- Run it only where Django has not created the table already.
BEGIN;
CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL);
CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");
COMMIT;
