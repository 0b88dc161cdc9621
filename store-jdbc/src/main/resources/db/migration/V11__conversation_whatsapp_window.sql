-- A conversation keeps the time of its newest inbound WhatsApp message (NULL: none), where WhatsApp's 24-hour
-- customer-service window opens, so that choosing a carrier for a send reads one conversation row instead of all
-- the conversation's messages (ConversationActivity). Same dialect rules as V1. Expand-only: a nullable column,
-- which nodes of the previous release leave alone; a WhatsApp message such a node stores during a rolling
-- upgrade is not counted here, so a new node may take the window for closed until the next one: it then sends a
-- template or another carrier, never a free-form message outside the window.
ALTER TABLE conversations ADD COLUMN last_whatsapp_inbound_at TIMESTAMP WITH TIME ZONE;

UPDATE conversations SET last_whatsapp_inbound_at = (
    SELECT MAX(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.direction = 'inbound' AND m.carrier = 'whatsapp')
WHERE id IN (SELECT conversation_id FROM messages WHERE carrier = 'whatsapp' AND direction = 'inbound');
