/**
 * What a commit writes, decided once for every store adapter: given what a batch carries and the facts the
 * store already holds (a message's status, a conversation's counts, a participant's links), these pure
 * functions say which rows change to which values, which change events go out and which callbacks are due.
 * An adapter reads the facts, asks here, and persists the answer atomically its own way (SQL in one
 * transaction, a DynamoDB transaction); none decides a domain rule itself. What is written reads back the
 * same way from every store ({@link io.omniservice.core.store.plan.MessageHistory}).
 */
package io.omniservice.core.store.plan;
