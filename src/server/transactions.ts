/**
 * Transactions are not implemented. A transactional client is refused at its first step
 * (FindCoordinator for its transactional id, then InitProducerId with it) with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED: the one error both librdkafka and the Java client treat as
 * fatal at once, reporting FindCoordinator's error message, where a retriable error (the former
 * COORDINATOR_NOT_AVAILABLE) or UNSUPPORTED_VERSION only made them retry until their 5-60 s
 * timeout and then report a timeout.
 */
export const TRANSACTIONS_UNSUPPORTED = 'transactions are not supported by strom serve yet: produce without transactional.id (enable.idempotence alone works)'
