/// The tables and functions the store keeps in PostgreSQL, created when missing (version 1).
///
/// Mail writes serialize on one advisory lock, so the counts and byte quotas a save checks are the ones
/// it commits against, whichever server saves. Names are stored in NFC, so canonically equivalent
/// spellings meet in one row, as Swift compares strings.
enum PostgresSchema {
    /// The advisory lock every transaction that changes mail or usage takes first.
    static let mailLock: Int64 = 0x4348_4154_4b49_54  // "CHATKIT"
    /// The advisory lock presence writes take, so they commit in the order of their sequence numbers.
    static let presenceLock: Int64 = 0x4348_4154_5052_45  // "CHATPRE"

    /// Creates whatever is missing; safe for several servers starting at once (one at a time creates).
    static let statements: [String] = [
        """
        CREATE TABLE IF NOT EXISTS chatkit_messages (
            seq bigserial PRIMARY KEY,
            recipient text NOT NULL,
            sender text NOT NULL,
            id bigint NOT NULL,
            saved_at bigint NOT NULL,
            body bytea NOT NULL,
            sender_network text,
            quota_bytes integer NOT NULL,
            UNIQUE (recipient, sender, id))
        """,
                "CREATE TABLE IF NOT EXISTS chatkit_usage (share text PRIMARY KEY, bytes bigint NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS chatkit_pins (
            nick text PRIMARY KEY,
            key bytea NOT NULL,
            last_used bigint NOT NULL DEFAULT 0,
            prekey bytea)
        """,
        "CREATE TABLE IF NOT EXISTS chatkit_servers (key bytea PRIMARY KEY, host text NOT NULL, port integer NOT NULL, heard bigint NOT NULL)",
        "CREATE SEQUENCE IF NOT EXISTS chatkit_presence_seq",
        // Packets one server leaves for another's client; written under the presence lock, so they too
        // commit in sequence order, and removed by the server they were for once read.
        """
        CREATE TABLE IF NOT EXISTS chatkit_forwards (
            seq bigserial PRIMARY KEY, to_key bytea NOT NULL, nick text NOT NULL, packet bytea NOT NULL,
            from_key bytea NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS chatkit_presence (
            nick text PRIMARY KEY, server_key bytea NOT NULL, host text NOT NULL, port integer NOT NULL,
            candidates text NOT NULL, online boolean NOT NULL, seq bigint NOT NULL)
        """,
        // Each read of the news asks for the rows changed since a sequence number: without this, every
        // read scans every row (found by the group ceiling: 200,000 clients, reads up to 100 a second).
        "CREATE INDEX IF NOT EXISTS chatkit_presence_by_seq ON chatkit_presence (seq)",
        "CREATE INDEX IF NOT EXISTS chatkit_forwards_by_server ON chatkit_forwards (to_key)",
        // The shares a message counts against: its sender's ('n:'), its network's ('w:'), and the total.
        """
        CREATE OR REPLACE FUNCTION chatkit_shares(p_sender text, p_network text) RETURNS text[] AS $$
            SELECT ARRAY['total', 'n:' || p_sender]
                || CASE WHEN p_network IS NULL THEN ARRAY[]::text[] ELSE ARRAY['w:' || p_network] END
        $$ LANGUAGE sql IMMUTABLE
        """,
        // Message counts per mailbox ('m:' recipient) and per share of a mailbox ('s:' recipient, sender
        // or network), kept beside the mail so a save checks its limits without counting rows.
        "CREATE TABLE IF NOT EXISTS chatkit_counts (key text PRIMARY KEY, n bigint NOT NULL)",
        """
        CREATE OR REPLACE FUNCTION chatkit_count_keys(p_recipient text, p_sender text, p_network text) RETURNS text[] AS $$
            SELECT ARRAY['m:' || p_recipient, 's:' || p_recipient || E'\\n' || 'n:' || p_sender]
                || CASE WHEN p_network IS NULL THEN ARRAY[]::text[]
                   ELSE ARRAY['s:' || p_recipient || E'\\n' || 'w:' || p_network] END
        $$ LANGUAGE sql IMMUTABLE
        """,
        // 0 stored (or already there), 1 mailbox full, 2 over quota.
        """
        CREATE OR REPLACE FUNCTION chatkit_save(
            p_recipient text, p_sender text, p_id bigint, p_saved_at bigint, p_body bytea, p_network text,
            p_quota integer, per_recipient bigint, per_sender bigint, bytes_per_sender bigint, total_bytes bigint
        ) RETURNS integer AS $$
        DECLARE
            shares text[] := chatkit_shares(p_sender, p_network);
            counts text[] := chatkit_count_keys(p_recipient, p_sender, p_network);
        BEGIN
            PERFORM 1 FROM chatkit_messages WHERE recipient = p_recipient AND sender = p_sender AND id = p_id;
            IF FOUND THEN RETURN 0; END IF;
            IF coalesce((SELECT n FROM chatkit_counts WHERE key = counts[1]), 0) >= per_recipient
                OR EXISTS (SELECT 1 FROM chatkit_counts WHERE key = ANY(counts[2:]) AND n >= per_sender)
            THEN RETURN 1; END IF;
            IF EXISTS (SELECT 1 FROM unnest(shares[2:]) s LEFT JOIN chatkit_usage u ON u.share = s
                    WHERE coalesce(u.bytes, 0) + p_quota > bytes_per_sender)
                OR coalesce((SELECT bytes FROM chatkit_usage WHERE share = 'total'), 0) + p_quota > total_bytes
            THEN RETURN 2; END IF;
            INSERT INTO chatkit_messages (recipient, sender, id, saved_at, body, sender_network, quota_bytes)
                VALUES (p_recipient, p_sender, p_id, p_saved_at, p_body, p_network, p_quota);
            INSERT INTO chatkit_usage (share, bytes) SELECT s, p_quota FROM unnest(shares) s
                ON CONFLICT (share) DO UPDATE SET bytes = chatkit_usage.bytes + EXCLUDED.bytes;
            INSERT INTO chatkit_counts (key, n) SELECT c, 1 FROM unnest(counts) c
                ON CONFLICT (key) DO UPDATE SET n = chatkit_counts.n + 1;
            RETURN 0;
        END $$ LANGUAGE plpgsql
        """,
        """
        CREATE OR REPLACE FUNCTION chatkit_remove(p_recipient text, p_sender text, p_id bigint) RETURNS void AS $$
        DECLARE
            removed record;
        BEGIN
            DELETE FROM chatkit_messages WHERE recipient = p_recipient AND sender = p_sender AND id = p_id
                RETURNING sender, sender_network, quota_bytes INTO removed;
            IF NOT FOUND THEN RETURN; END IF;
            UPDATE chatkit_usage SET bytes = bytes - removed.quota_bytes
                WHERE share = ANY(chatkit_shares(removed.sender, removed.sender_network));
            DELETE FROM chatkit_usage WHERE share = ANY(chatkit_shares(removed.sender, removed.sender_network)) AND bytes <= 0;
            UPDATE chatkit_counts SET n = n - 1
                WHERE key = ANY(chatkit_count_keys(p_recipient, removed.sender, removed.sender_network));
            DELETE FROM chatkit_counts
                WHERE key = ANY(chatkit_count_keys(p_recipient, removed.sender, removed.sender_network)) AND n <= 0;
        END $$ LANGUAGE plpgsql
        """,
    ]
}
