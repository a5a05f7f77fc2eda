BEGIN TRANSACTION;
CREATE TABLE accounts (
	id INTEGER NOT NULL, 
	org_kind VARCHAR(12) NOT NULL, 
	firm_id INTEGER, 
	institute_id INTEGER, 
	cpa_id INTEGER, 
	login VARCHAR(40) NOT NULL, 
	person_name VARCHAR(100) NOT NULL, 
	password_hash VARCHAR(200) NOT NULL, 
	org_role VARCHAR(12) NOT NULL, 
	disabled BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_accounts_one_organisation CHECK ((org_kind = 'firm' AND firm_id IS NOT NULL AND institute_id IS NULL AND cpa_id IS NULL) OR (org_kind = 'institute' AND institute_id IS NOT NULL AND firm_id IS NULL AND cpa_id IS NULL) OR (org_kind = 'cpa' AND cpa_id IS NOT NULL AND firm_id IS NULL AND institute_id IS NULL)), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	FOREIGN KEY(institute_id) REFERENCES institutes (id), 
	UNIQUE (cpa_id), 
	UNIQUE (org_kind, login)
);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0008_firm_people');
CREATE TABLE "applications" (
	id INTEGER NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	firm_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	state VARCHAR(24) NOT NULL, 
	retired BOOLEAN NOT NULL, 
	batch_id INTEGER, 
	last_reason TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	submitted_at DATETIME, 
	decided_at DATETIME, 
	version INTEGER NOT NULL, 
	on_behalf BOOLEAN DEFAULT 0 NOT NULL, 
	updated_by VARCHAR(100), 
	PRIMARY KEY (id), 
	FOREIGN KEY(batch_id) REFERENCES batches (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	UNIQUE (cpa_id, year)
);
CREATE TABLE attachments (
	id INTEGER NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	size INTEGER NOT NULL, 
	file_type VARCHAR(8) NOT NULL, 
	original_name VARCHAR(200) NOT NULL, 
	material VARCHAR(100) NOT NULL, 
	uploaded_at DATETIME NOT NULL, 
	application_id INTEGER, 
	batch_id INTEGER, 
	removed BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id), 
	FOREIGN KEY(batch_id) REFERENCES batches (id)
);
CREATE TABLE "auth_tokens" (
	id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	account_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT fk_auth_tokens_account_id_accounts FOREIGN KEY(account_id) REFERENCES accounts (id), 
	UNIQUE (token_hash)
);
CREATE TABLE auto_reminder_runs (
	id INTEGER NOT NULL, 
	firm_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	days_mark INTEGER NOT NULL, 
	run_at DATETIME NOT NULL, 
	reminded INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (firm_id, year, days_mark), 
	FOREIGN KEY(firm_id) REFERENCES firms (id)
);
CREATE TABLE batch_flags (
	id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	application_id INTEGER NOT NULL, 
	level VARCHAR(8) NOT NULL, 
	code VARCHAR(40) NOT NULL, 
	message TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(batch_id) REFERENCES batches (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id)
);
CREATE TABLE batch_items (
	id INTEGER NOT NULL, 
	batch_id INTEGER NOT NULL, 
	application_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id), 
	FOREIGN KEY(batch_id) REFERENCES batches (id), 
	UNIQUE (batch_id, application_id)
);
CREATE TABLE batches (
	id INTEGER NOT NULL, 
	number VARCHAR(40) NOT NULL, 
	firm_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	return_reason TEXT, 
	idempotency_key VARCHAR(80), 
	submitted_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	change_seq INTEGER NOT NULL, 
	version INTEGER NOT NULL, updated_by VARCHAR(100), 
	PRIMARY KEY (id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	UNIQUE (firm_id, idempotency_key), 
	UNIQUE (firm_id, year, seq), 
	UNIQUE (number)
);
CREATE TABLE change_counter (
	id INTEGER NOT NULL, 
	value INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "change_counter" VALUES(1,0);
CREATE TABLE "cpas" (
	id INTEGER NOT NULL, 
	cert_no VARCHAR(12) NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	firm_id INTEGER NOT NULL, 
	ethnicity VARCHAR(20) NOT NULL, 
	gender VARCHAR(4) NOT NULL, 
	birth_date DATE, 
	id_type VARCHAR(30) NOT NULL, 
	id_number VARCHAR(30) NOT NULL, 
	native_place VARCHAR(50) NOT NULL, 
	region VARCHAR(50) NOT NULL, 
	hukou VARCHAR(100) NOT NULL, 
	political_status VARCHAR(20) NOT NULL, 
	phone VARCHAR(20) NOT NULL, 
	joined_firm_on DATE, 
	retired BOOLEAN NOT NULL, 
	qr_token VARCHAR(64) NOT NULL, 
	change_seq INTEGER NOT NULL, email VARCHAR(254) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	UNIQUE (qr_token), 
	UNIQUE (cert_no)
);
CREATE TABLE "events" (
	id INTEGER NOT NULL, 
	application_id INTEGER, 
	batch_id INTEGER, 
	actor_role VARCHAR(12) NOT NULL, 
	actor_id VARCHAR(20) NOT NULL, 
	actor_name VARCHAR(100) NOT NULL, 
	action VARCHAR(24) NOT NULL, 
	reason TEXT, 
	from_state VARCHAR(24), 
	to_state VARCHAR(24), 
	created_at DATETIME NOT NULL, 
	actor_account_id INTEGER, 
	actor_person VARCHAR(100), 
	subject_account_id INTEGER, 
	PRIMARY KEY (id), 
	CONSTRAINT fk_events_actor_account_id_accounts FOREIGN KEY(actor_account_id) REFERENCES accounts (id), 
	CONSTRAINT fk_events_subject_account FOREIGN KEY(subject_account_id) REFERENCES accounts (id), 
	FOREIGN KEY(batch_id) REFERENCES batches (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id)
);
CREATE TABLE extensions (
	id INTEGER NOT NULL, 
	institute_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	firm_id INTEGER, 
	cpa_id INTEGER, 
	until DATE NOT NULL, 
	reason TEXT NOT NULL, 
	granted_at DATETIME NOT NULL, 
	granted_by_account_id INTEGER, 
	granted_by_person VARCHAR(100), 
	revoked_at DATETIME, 
	revoked_by_account_id INTEGER, 
	revoked_by_person VARCHAR(100), 
	revoke_reason TEXT, 
	version INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT ck_extensions_one_target CHECK ((firm_id IS NULL) <> (cpa_id IS NULL)), 
	FOREIGN KEY(institute_id) REFERENCES institutes (id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	FOREIGN KEY(granted_by_account_id) REFERENCES accounts (id), 
	FOREIGN KEY(revoked_by_account_id) REFERENCES accounts (id)
);
CREATE TABLE face_sessions (
	id INTEGER NOT NULL, 
	token VARCHAR(64) NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	application_id INTEGER NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	created_at DATETIME NOT NULL, 
	resolved_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	UNIQUE (token)
);
CREATE TABLE firm_reminder_settings (
	firm_id INTEGER NOT NULL, 
	template TEXT NOT NULL, 
	auto_enabled BOOLEAN NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (firm_id), 
	FOREIGN KEY(firm_id) REFERENCES firms (id)
);
CREATE TABLE "firms" (
	id INTEGER NOT NULL, 
	number VARCHAR(8) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	institute_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(institute_id) REFERENCES institutes (id), 
	UNIQUE (number)
);
CREATE TABLE idempotent_requests (
	id INTEGER NOT NULL, 
	principal VARCHAR(40) NOT NULL, 
	"key" VARCHAR(80) NOT NULL, 
	endpoint VARCHAR(100) NOT NULL, 
	status_code INTEGER NOT NULL, 
	response_json TEXT NOT NULL, 
	created_at DATETIME NOT NULL, request_hash VARCHAR(64), 
	PRIMARY KEY (id), 
	UNIQUE (principal, "key")
);
CREATE TABLE identity_checks (
	id INTEGER NOT NULL, 
	institute_id INTEGER NOT NULL, 
	application_id INTEGER NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	checked_on DATE NOT NULL, 
	document_type VARCHAR(30) NOT NULL, 
	note TEXT, 
	checked_by_account_id INTEGER, 
	checked_by_person VARCHAR(100), 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(institute_id) REFERENCES institutes (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	FOREIGN KEY(checked_by_account_id) REFERENCES accounts (id)
);
CREATE TABLE "institutes" (
	id INTEGER NOT NULL, 
	code VARCHAR(8) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	current_year INTEGER NOT NULL, 
	window_start DATE NOT NULL, 
	deadline DATE NOT NULL, 
	notice_start TEXT NOT NULL, 
	notice_success TEXT NOT NULL, 
	materials_working JSON NOT NULL, 
	materials_retired JSON NOT NULL, 
	min_training_hours FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (code)
);
CREATE TABLE login_addresses (
	id INTEGER NOT NULL, 
	role VARCHAR(12) NOT NULL, 
	member_no VARCHAR(20) NOT NULL, 
	client VARCHAR(64) NOT NULL, 
	last_success_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (role, member_no, client)
);
CREATE TABLE login_failures (
	id INTEGER NOT NULL, 
	role VARCHAR(12) NOT NULL, 
	member_no VARCHAR(20) NOT NULL, 
	at DATETIME NOT NULL, client VARCHAR(64) DEFAULT '' NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE messages (
	id INTEGER NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	application_id INTEGER, 
	title VARCHAR(100) NOT NULL, 
	body TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	read_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(application_id) REFERENCES applications (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id)
);
CREATE TABLE outbox_mails (
	id INTEGER NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	to_address VARCHAR(254) NOT NULL, 
	subject VARCHAR(200) NOT NULL, 
	body TEXT NOT NULL, 
	message_id VARCHAR(200) NOT NULL, 
	state VARCHAR(12) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	lease_until DATETIME, 
	last_error TEXT, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	claim INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (message_id)
);
CREATE TABLE password_reset_attempts (
	id INTEGER NOT NULL, 
	kind VARCHAR(12) NOT NULL, 
	login VARCHAR(40) NOT NULL, 
	client VARCHAR(64) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE password_reset_codes (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	code_hash VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	attempts INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(account_id) REFERENCES accounts (id)
);
CREATE TABLE rate_buckets (
	bucket VARCHAR(40) NOT NULL, 
	client VARCHAR(100) NOT NULL, 
	tokens FLOAT NOT NULL, 
	at FLOAT NOT NULL, 
	PRIMARY KEY (bucket, client)
);
CREATE TABLE reminders (
	id INTEGER NOT NULL, 
	firm_id INTEGER NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	china_day DATE NOT NULL, 
	sent_at DATETIME NOT NULL, 
	inbox_message_id INTEGER NOT NULL, 
	mail_id INTEGER, 
	actor_id VARCHAR(20) NOT NULL, 
	actor_account_id INTEGER, 
	actor_person VARCHAR(100), 
	days_mark INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (cpa_id, china_day), 
	FOREIGN KEY(firm_id) REFERENCES firms (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	FOREIGN KEY(inbox_message_id) REFERENCES messages (id), 
	FOREIGN KEY(mail_id) REFERENCES outbox_mails (id), 
	FOREIGN KEY(actor_account_id) REFERENCES accounts (id)
);
CREATE TABLE training_hours (
	id INTEGER NOT NULL, 
	cpa_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	hours FLOAT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(cpa_id) REFERENCES cpas (id), 
	UNIQUE (cpa_id, year)
);
CREATE INDEX ix_login_failures_who ON login_failures (role, member_no, at);
CREATE INDEX ix_batches_change_seq ON batches (change_seq);
CREATE INDEX ix_batches_firm_id ON batches (firm_id);
CREATE INDEX ix_attachments_application_id ON attachments (application_id);
CREATE INDEX ix_attachments_batch_id ON attachments (batch_id);
CREATE INDEX ix_attachments_sha256 ON attachments (sha256);
CREATE INDEX ix_batch_items_application_id ON batch_items (application_id);
CREATE INDEX ix_batch_items_batch_id ON batch_items (batch_id);
CREATE INDEX ix_face_sessions_cpa_id ON face_sessions (cpa_id);
CREATE INDEX ix_face_sessions_created_at ON face_sessions (created_at);
CREATE INDEX ix_messages_cpa_id ON messages (cpa_id);
CREATE INDEX ix_accounts_firm_id ON accounts (firm_id);
CREATE INDEX ix_accounts_institute_id ON accounts (institute_id);
CREATE INDEX ix_auth_tokens_account_id ON auth_tokens (account_id);
CREATE INDEX ix_firms_institute_id ON firms (institute_id);
CREATE INDEX ix_cpas_firm_id ON cpas (firm_id);
CREATE INDEX ix_cpas_change_seq ON cpas (change_seq);
CREATE INDEX ix_rate_buckets_at ON rate_buckets (at);
CREATE INDEX ix_login_failures_client ON login_failures (client, at);
CREATE INDEX ix_login_failures_at ON login_failures (at);
CREATE INDEX ix_outbox_mails_due ON outbox_mails (state, next_attempt_at);
CREATE INDEX ix_outbox_mails_created_at ON outbox_mails (created_at);
CREATE INDEX ix_password_reset_codes_account_id ON password_reset_codes (account_id);
CREATE INDEX ix_password_reset_attempts_login ON password_reset_attempts (kind, login, at);
CREATE INDEX ix_password_reset_attempts_client ON password_reset_attempts (kind, client, at);
CREATE INDEX ix_reminders_firm_id ON reminders (firm_id);
CREATE INDEX ix_reminders_cpa_year ON reminders (cpa_id, year);
CREATE INDEX ix_extensions_institute_year ON extensions (institute_id, year);
CREATE INDEX ix_extensions_firm_id ON extensions (firm_id);
CREATE INDEX ix_extensions_cpa_id ON extensions (cpa_id);
CREATE INDEX ix_identity_checks_institute_id ON identity_checks (institute_id);
CREATE INDEX ix_identity_checks_application_id ON identity_checks (application_id);
CREATE INDEX ix_identity_checks_cpa_id ON identity_checks (cpa_id);
CREATE INDEX ix_batch_flags_batch_id ON batch_flags (batch_id);
CREATE INDEX ix_batch_flags_application_id ON batch_flags (application_id);
CREATE INDEX ix_applications_batch_id ON applications (batch_id);
CREATE INDEX ix_applications_firm_year_state ON applications (firm_id, year, state);
CREATE INDEX ix_events_application_id ON events (application_id);
CREATE INDEX ix_events_created_at ON events (created_at);
CREATE INDEX ix_events_actor_account_id ON events (actor_account_id);
CREATE INDEX ix_events_batch_id ON events (batch_id);
CREATE INDEX ix_events_actor ON events (actor_role, actor_id, created_at);
COMMIT;
