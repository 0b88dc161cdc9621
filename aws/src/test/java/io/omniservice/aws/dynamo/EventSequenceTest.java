package io.omniservice.aws.dynamo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventSequenceTest {
    private static final Clock FROZEN = Clock.fixed(Instant.parse("2026-12-06T04:00:00Z"), ZoneOffset.UTC);

    private FakeDynamo dynamo;
    private Tables tables;

    @BeforeAll
    void start() {
        dynamo = FakeDynamo.start();
        tables = new Tables(FakeDynamo.uniquePrefix("sequence"), 1);
        tables.create(dynamo.client(), Tables.TimeToLive.SKIP);
    }

    @AfterAll
    void stop() {
        dynamo.close();
    }

    @Test
    void instancesOfOneDeploymentWritingInTheSameMicrosecondNeverShareASeq() {
        // 200 numbers drawn at random from 1,024 would collide almost surely (birthday bound)
        Set<Long> seqs = new HashSet<>();
        Set<Long> nodes = new HashSet<>();
        for (int instance = 0; instance < 200; instance++) {
            EventSequence sequence = EventSequence.numbered(dynamo.client(), tables, FROZEN);
            nodes.add(sequence.node());
            seqs.add(sequence.after(0));
        }
        assertThat(nodes).as("each instance's number").hasSize(200);
        assertThat(seqs).as("first seqs at one frozen microsecond").hasSize(200);
    }

    @Test
    void oneInstanceNeverRepeatsASeqAndStaysAboveThePartitionsHead() {
        EventSequence sequence = EventSequence.numbered(dynamo.client(), tables, FROZEN);
        long first = sequence.after(0);
        long second = sequence.after(0);
        long aboveHead = sequence.after(second + (5L << 10));
        assertThat(second).isGreaterThan(first);
        assertThat(aboveHead).isGreaterThan(second + (5L << 10));
    }
}
