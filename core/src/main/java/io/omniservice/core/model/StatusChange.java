package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** One entry of a message's status history, with the carrier's raw status and error code kept. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StatusChange(MessageStatus status, Instant at, String carrierStatus, String errorCode) {}
