// pcap: the bytes of the application's TCP connections as a capture file (classic libpcap format, raw IPv4) in the
// hook output, which `tshark -r` and `tcpdump -r` read.
//
// The connections are the sockets sock_accept returns (its new fd, read through the result pointer when the call
// returns); the bytes each moves through fd_read, sock_recv, fd_write or sock_send become TCP segments. The guest does
// not see addresses or sequence numbers, so the hook makes them up, consistently: the application is the server at
// 10.0.0.2:PORT, and each connection is a client at 10.0.0.1 with a port of its own (49152 on, one a connection,
// wrapping after 65535). An accept becomes a handshake (SYN, SYN-ACK, ACK) and a close a FIN from each side, so a
// reader follows every stream from its start to its end; what a data event moved goes out in segments of at most
// 65,000 bytes of payload. Timestamps are the hook's clock when it saw the event.
//
// IP header checksums are right; TCP checksums are left 0, as a capture of a card that computes them shows them:
// summing every byte would cost the hook fuel in proportion to the traffic (tshark and tcpdump do not check them
// unless asked to).
//
// CONFIG: `port=N`, the server's port in the capture (default 8080).
#include <string.h>

#include "hook_support.h"

#define DEFAULT_SERVER_PORT 8080
#define FIRST_CLIENT_PORT 49152
#define MAX_SEGMENT_PAYLOAD 65000
#define LINKTYPE_RAW 101
#define RECORD_HEADER_SIZE 16
#define IPV4_HEADER_SIZE 20
#define TCP_HEADER_SIZE 20
#define PACKET_HEADERS_SIZE (RECORD_HEADER_SIZE + IPV4_HEADER_SIZE + TCP_HEADER_SIZE)

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

static const uint8_t client_address[4] = {10, 0, 0, 1};
static const uint8_t server_address[4] = {10, 0, 0, 2};

struct connection {
    bool open;
    uint16_t client_port;
    // The sequence number of each side's next byte. Both start at 0: each connection has its own client port, so no
    // two share a stream.
    uint32_t client_next;
    uint32_t server_next;
};

static struct connection connections[MAX_SOCKET_FD];
static uint16_t server_port = DEFAULT_SERVER_PORT;
static uint16_t next_client_port = FIRST_CLIENT_PORT;
static uint16_t next_ip_id;
// One packet: its record header, IPv4 and TCP headers, then its payload.
static uint8_t packet[PACKET_HEADERS_SIZE + MAX_SEGMENT_PAYLOAD];

static void put_le32(uint8_t *bytes, uint32_t value) {
    for (int index = 0; index < 4; index++) bytes[index] = (uint8_t)(value >> (8 * index));
}

static void put_be16(uint8_t *bytes, uint16_t value) {
    bytes[0] = (uint8_t)(value >> 8);
    bytes[1] = (uint8_t)value;
}

static void put_be32(uint8_t *bytes, uint32_t value) {
    put_be16(bytes, (uint16_t)(value >> 16));
    put_be16(bytes + 2, (uint16_t)value);
}

static uint16_t ipv4_checksum(const uint8_t *header) {
    uint32_t sum = 0;
    for (int index = 0; index < IPV4_HEADER_SIZE; index += 2) sum += (uint32_t)header[index] << 8 | header[index + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void start(void) {
    char text[8];
    uint64_t port;
    if (config_value("port", text, sizeof text) && parse_decimal(text, &port) && port > 0 && port <= 65535) {
        server_port = (uint16_t)port;
    }
    // The file header: microsecond timestamps, little-endian (readers take the order from the magic number).
    uint8_t header[24] = {0};
    put_le32(header, 0xa1b2c3d4);
    header[4] = 2;  // version 2.4
    header[6] = 4;
    put_le32(header + 16, PACKET_HEADERS_SIZE - RECORD_HEADER_SIZE + MAX_SEGMENT_PAYLOAD);
    put_le32(header + 20, LINKTYPE_RAW);
    swiftlet_hook_emit(header, sizeof header);
}
SWIFTLET_HOOK_ON_INIT(start)

// Emits one segment of `connection` whose payload (payload_length bytes) is already in place after the headers, and
// advances the sender's sequence number past it (and past a SYN or FIN, which count as one).
static void send_segment(struct connection *connection, bool from_client, uint8_t flags, uint32_t payload_length) {
    uint8_t *record = packet, *ip = packet + RECORD_HEADER_SIZE, *tcp = ip + IPV4_HEADER_SIZE;
    uint32_t ip_length = IPV4_HEADER_SIZE + TCP_HEADER_SIZE + payload_length;
    uint64_t now = (uint64_t)swiftlet_hook_now();
    put_le32(record, (uint32_t)(now / 1000000000));
    put_le32(record + 4, (uint32_t)(now % 1000000000 / 1000));
    put_le32(record + 8, ip_length);
    put_le32(record + 12, ip_length);

    memset(ip, 0, IPV4_HEADER_SIZE);
    ip[0] = 0x45;  // version 4, a 20-byte header
    put_be16(ip + 2, (uint16_t)ip_length);
    put_be16(ip + 4, next_ip_id++);
    put_be16(ip + 6, 0x4000);  // don't fragment
    ip[8] = 64;                // TTL
    ip[9] = 6;                 // TCP
    memcpy(ip + 12, from_client ? client_address : server_address, 4);
    memcpy(ip + 16, from_client ? server_address : client_address, 4);
    put_be16(ip + 10, ipv4_checksum(ip));

    uint32_t *sender_next = from_client ? &connection->client_next : &connection->server_next;
    uint32_t receiver_next = from_client ? connection->server_next : connection->client_next;
    memset(tcp, 0, TCP_HEADER_SIZE);
    put_be16(tcp, from_client ? connection->client_port : server_port);
    put_be16(tcp + 2, from_client ? server_port : connection->client_port);
    put_be32(tcp + 4, *sender_next);
    put_be32(tcp + 8, flags & TCP_ACK ? receiver_next : 0);
    tcp[12] = (TCP_HEADER_SIZE / 4) << 4;
    tcp[13] = flags;
    put_be16(tcp + 14, 65535);  // window
    *sender_next += payload_length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0);

    swiftlet_hook_emit(packet, RECORD_HEADER_SIZE + ip_length);
}

static void open_connection(uint32_t fd) {
    struct connection *connection = &connections[fd];
    *connection = (struct connection){.open = true, .client_port = next_client_port};
    next_client_port = next_client_port == 65535 ? FIRST_CLIENT_PORT : next_client_port + 1;
    send_segment(connection, true, TCP_SYN, 0);
    send_segment(connection, false, TCP_SYN | TCP_ACK, 0);
    send_segment(connection, true, TCP_ACK, 0);
}

static void close_connection(uint32_t fd) {
    struct connection *connection = &connections[fd];
    if (!connection->open) return;
    send_segment(connection, false, TCP_FIN | TCP_ACK, 0);
    send_segment(connection, true, TCP_FIN | TCP_ACK, 0);
    send_segment(connection, false, TCP_ACK, 0);
    connection->open = false;
}

static void leave(uint32_t call, uint32_t error, hook_arguments arguments) {
    struct socket_change change = follow_sockets(call, error, arguments);
    switch (change.kind) {
    case SOCKETS_UNCHANGED:
        break;
    case SOCKET_ACCEPTED:
        open_connection(change.fd);
        break;
    case SOCKET_CLOSED:
        close_connection(change.fd);
        break;
    case SOCKET_RENUMBERED:
        close_connection(change.renumbered_to);
        connections[change.renumbered_to] = connections[change.fd];
        connections[change.fd].open = false;
        break;
    }
}
SWIFTLET_HOOK_ON_CALL_EXIT(leave)
SWIFTLET_HOOK_SELECT_CALL_EXIT(SOCKET_CALLS)

static void capture(uint32_t call, uint32_t fd, uint32_t length) {
    if (!is_socket(fd) || !connections[fd].open) return;
    bool from_client = call == SWIFTLET_HOOK_CALL_FD_READ || call == SWIFTLET_HOOK_CALL_SOCK_RECV
                    || call == SWIFTLET_HOOK_CALL_FD_PREAD;
    for (uint32_t offset = 0; offset < length;) {
        uint32_t wanted = length - offset < MAX_SEGMENT_PAYLOAD ? length - offset : MAX_SEGMENT_PAYLOAD;
        int32_t copied = swiftlet_hook_read_data(offset, wanted, packet + PACKET_HEADERS_SIZE);
        if (copied <= 0) return;
        send_segment(&connections[fd], from_client, TCP_PSH | TCP_ACK, (uint32_t)copied);
        offset += (uint32_t)copied;
    }
}
SWIFTLET_HOOK_ON_DATA(capture)
