package io.omniservice.acceptance;

/** The end-to-end suite on the embedded default: a SQLite file under the node's directory. */
class EndToEndTest extends EndToEndSuite {
    @Override
    protected GatewayProcess.Setup setup() {
        return GatewayProcess.Setup.embedded();
    }
}
