package io.omniservice.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressGuardTest {
    /** Public-looking names answered without DNS, so no test reaches the internet. */
    private static final Map<String, List<String>> DNS = Map.of(
            "media.example.com", List.of("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"),
            "rebind.example.com", List.of("93.184.216.34", "10.1.2.3"),
            "metadata.example.com", List.of("169.254.169.254"),
            "internal.example.com", List.of("10.20.30.40"),
            "six.example.com", List.of("fd12:3456::1"));

    private static final HostResolver FAKE = host -> {
        List<String> answers = DNS.get(host);
        if (answers == null) {
            throw new UnknownHostException(host);
        }
        InetAddress[] out = new InetAddress[answers.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = InetAddress.getByName(answers.get(i));
        }
        return out;
    };

    private final AddressGuard publicOnly = new AddressGuard("media.fetch.allowedNetworks", List.of(), FAKE);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1/                         | address_not_allowed | loopback
            http://127.1.2.3:8080/x                   | address_not_allowed | loopback
            http://0.0.0.0/                           | address_not_allowed | unspecified
            http://0.1.2.3/                           | address_not_allowed | unspecified
            http://10.0.0.1/                          | address_not_allowed | private
            http://172.16.0.1/                        | address_not_allowed | private
            http://172.31.255.255/                    | address_not_allowed | private
            http://192.168.1.1/                       | address_not_allowed | private
            http://100.64.0.1/                        | address_not_allowed | carrier-grade NAT
            http://169.254.169.254/latest/meta-data/  | address_not_allowed | link-local
            http://224.0.0.1/                         | address_not_allowed | multicast
            http://255.255.255.255/                   | address_not_allowed | broadcast
            http://[::1]/                             | address_not_allowed | loopback
            http://[::]/                              | address_not_allowed | unspecified
            http://[fe80::1]/                         | address_not_allowed | link-local
            http://[fe80::1%25eth0]/                  | address_not_allowed | link-local
            http://[fd00::1]/                         | address_not_allowed | unique-local
            http://[fc00::1]/                         | address_not_allowed | unique-local
            http://[ff02::1]/                         | address_not_allowed | multicast
            http://[::ffff:127.0.0.1]/                | address_not_allowed | loopback
            http://[::ffff:169.254.169.254]/          | address_not_allowed | link-local
            http://[::127.0.0.1]/                     | address_not_allowed | embeds 127.0.0.1
            http://[64:ff9b::a00:1]/                  | address_not_allowed | embeds 10.0.0.1
            http://[2002:a9fe:a9fe::1]/               | address_not_allowed | embeds 169.254.169.254
            http://2130706433/                        | bad_url             | non-standard notation
            http://0x7f.0.0.1/                        | bad_url             | host
            http://0x7f000001/                        | bad_url             | non-standard notation
            http://0177.0.0.1/                        | bad_url             | non-standard notation
            http://127.1/                             | bad_url             | host
            http://metadata.example.com/              | address_not_allowed | 169.254.169.254
            http://rebind.example.com/                | address_not_allowed | 10.1.2.3
            http://six.example.com/                   | address_not_allowed | unique-local
            http://unknown.example.com/               | bad_url             | does not resolve
            ftp://media.example.com/a.png             | bad_url             | only http and https
            file:///etc/passwd                        | bad_url             | only http and https
            gopher://media.example.com/               | bad_url             | only http and https
            http://user:pw@media.example.com/         | bad_url             | credentials
            /relative/path.png                        | bad_url             | not absolute
            """)
    void refuses(String url, String code, String reason) {
        assertThatThrownBy(() -> publicOnly.check(URI.create(url)))
                .isInstanceOfSatisfying(
                        AddressRefused.class, e -> assertThat(e.code()).isEqualTo(code))
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://93.184.216.34/a.png",
                "https://media.example.com/a.png",
                "HTTPS://MEDIA.EXAMPLE.COM:8443/a.png",
                "http://[2606:2800:220:1:248:1893:25c8:1946]/",
                "http://8.8.8.8/",
                "http://172.32.0.1/",
                "http://100.128.0.1/"
            })
    void acceptsPublicAddresses(String url) {
        assertThatCode(() -> publicOnly.check(URI.create(url))).doesNotThrowAnyException();
    }

    @Test
    void returnsEveryResolvedAddress() throws Exception {
        assertThat(publicOnly.check(URI.create("https://media.example.com/a.png")))
                .extracting(InetAddress::getHostAddress)
                .containsExactly("93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946");
    }

    @Test
    void allowedNetworksOpenOnlyThemselves() throws Exception {
        AddressGuard guard = new AddressGuard(
                "media.fetch.allowedNetworks", List.of("10.20.0.0/16", "127.0.0.1/32", "fd12:3456::/32"), FAKE);

        assertThat(guard.check(URI.create("http://internal.example.com/"))).hasSize(1);
        assertThat(guard.check(URI.create("http://127.0.0.1:9000/"))).hasSize(1);
        assertThat(guard.check(URI.create("http://six.example.com/"))).hasSize(1);
        assertThat(guard.check(URI.create("http://[::ffff:127.0.0.1]/"))).hasSize(1);
        assertThatThrownBy(() -> guard.check(URI.create("http://127.0.0.2/")))
                .hasMessageContaining("127.0.0.2 is 127.0.0.2, a loopback address");
        assertThatThrownBy(() -> guard.check(URI.create("http://10.21.0.1/"))).isInstanceOf(AddressRefused.class);
        assertThatThrownBy(() -> guard.check(URI.create("http://169.254.169.254/")))
                .isInstanceOf(AddressRefused.class);
    }

    @Test
    void refusalNamesTheHostTheAddressAndWhy() {
        assertThatThrownBy(() -> publicOnly.check(URI.create("http://metadata.example.com/secret?token=abc")))
                .hasMessage("metadata.example.com refused: metadata.example.com is 169.254.169.254,"
                        + " a link-local address (cloud metadata lives there), and not in"
                        + " media.fetch.allowedNetworks")
                .hasMessageNotContaining("token");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            10.0.0.1/8        | has bits set after the prefix; did you mean 10.0.0.0/8?
            10.0.0.0/33       | prefix length 33; it must be 0 to 32
            fd00::/129        | prefix length 129; it must be 0 to 128
            10.0.0.0/x        | prefix length that is not a number
            intranet.local/24 | 'intranet.local' is not an IPv4 or IPv6 address
            010.0.0.0/8       | '010.0.0.0' is not an IPv4 or IPv6 address
            ''                | empty network
            """)
    void invalidAllowedNetworksAreNamed(String cidr, String message) {
        assertThatThrownBy(() -> new AddressGuard("media.fetch.allowedNetworks", List.of(cidr), FAKE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("media.fetch.allowedNetworks: ")
                .hasMessageContaining(message);
    }

    @Test
    void aBareAddressIsOneHost() throws Exception {
        AddressGuard guard = new AddressGuard("media.fetch.allowedNetworks", List.of("192.168.1.10", "fd00::5"), FAKE);
        assertThat(guard.check(URI.create("http://192.168.1.10/"))).hasSize(1);
        assertThat(guard.check(URI.create("http://[fd00::5]/"))).hasSize(1);
        assertThatThrownBy(() -> guard.check(URI.create("http://192.168.1.11/")))
                .isInstanceOf(AddressRefused.class);
    }
}
