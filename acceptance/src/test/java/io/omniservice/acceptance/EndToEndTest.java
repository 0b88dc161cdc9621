package io.omniservice.acceptance;

/** The end-to-end suite on the embedded default: H2 files under the node's directory. */
class EndToEndTest extends EndToEndSuite {
    @Override
    protected GatewayProcess.Setup setup() {
        return GatewayProcess.Setup.embedded();
    }
}
