package io.omniservice.carriers.testkit;

/** A named step a fixture asks for before it is sent, such as signing with the carrier's algorithm. */
@FunctionalInterface
public interface Prep {
    void apply(FixtureRequest request) throws Exception;
}
