-- Webcasts, their stream keys, attendee registrations and recordings.
-- Every statement is safe to run again (see migrations.py: MySQL commits DDL implicitly).

CREATE TABLE IF NOT EXISTS webcasts (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  slug VARCHAR(100) NOT NULL,
  title VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  starts_at DATETIME NOT NULL COMMENT 'UTC',
  duration_min INT UNSIGNED NOT NULL,
  live_since DATETIME NULL COMMENT 'UTC; set while an encoder publishes',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY webcasts_slug (slug),
  KEY webcasts_starts_at (starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS stream_keys (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webcast_id INT UNSIGNED NOT NULL,
  key_sha256 CHAR(64) NOT NULL COMMENT 'the key itself is shown once and never stored',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  revoked_at DATETIME NULL,
  UNIQUE KEY stream_keys_key_sha256 (key_sha256),
  CONSTRAINT stream_keys_webcast FOREIGN KEY (webcast_id) REFERENCES webcasts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS registrations (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webcast_id INT UNSIGNED NOT NULL,
  name VARCHAR(200) NOT NULL,
  email VARCHAR(254) NOT NULL,
  organisation VARCHAR(200) NOT NULL DEFAULT '',
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  confirmation_sent_at DATETIME NULL,
  UNIQUE KEY registrations_webcast_email (webcast_id, email),
  CONSTRAINT registrations_webcast FOREIGN KEY (webcast_id) REFERENCES webcasts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE IF NOT EXISTS recordings (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  webcast_id INT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  vod_path VARCHAR(500) NOT NULL COMMENT 'playlist path under the CDN /vod/',
  transcript_path VARCHAR(500) NULL COMMENT 'WebVTT file, relative to the media root',
  transcript_lang VARCHAR(20) NOT NULL DEFAULT 'en',
  duration_s INT UNSIGNED NULL,
  published_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY recordings_webcast (webcast_id),
  CONSTRAINT recordings_webcast FOREIGN KEY (webcast_id) REFERENCES webcasts (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
