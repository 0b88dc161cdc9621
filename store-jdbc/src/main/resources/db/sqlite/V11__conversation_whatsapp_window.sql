-- db/migration's V11 on SQLite (an instant is an INTEGER of microseconds there): a conversation keeps the time
-- of its newest inbound WhatsApp message (NULL: none), so that choosing a carrier for a send reads one
-- conversation row instead of all the conversation's messages.
ALTER TABLE conversations ADD COLUMN last_whatsapp_inbound_at INTEGER;

UPDATE conversations SET last_whatsapp_inbound_at = (
    SELECT MAX(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'inbound' AND m.carrier = 'whatsapp')
WHERE id IN (SELECT conversation_id FROM messages WHERE carrier = 'whatsapp' AND direction = 'inbound');
