#!/bin/sh
# Format the log directory once (a fresh cluster id), then run the broker. It advertises KAFKA_ADVERTISED_HOST
# (the service's name on the compose network), so clients on that network reach it by name.
set -euf  # -f: the classpath `lib/*` is for java, not the shell
data=/var/lib/kafka/data
host=${KAFKA_ADVERTISED_HOST:-kafka}
config=/var/lib/kafka/server.properties
cat >"$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://0.0.0.0:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://$host:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=${KAFKA_PARTITIONS:-2}
offsets.topic.num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPERTIES
cat >/var/lib/kafka/log4j2.properties <<'PROPERTIES'
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
PROPERTIES
java="java ${KAFKA_HEAP:--Xms128m -Xmx512m} -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"
java="$java -Dlog4j2.configurationFile=/var/lib/kafka/log4j2.properties -cp /opt/kafka/lib/*"
if [ ! -f "$data/meta.properties" ]; then
  cluster=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  $java kafka.tools.StorageTool format -t "$cluster" -c "$config" >/dev/null
fi
exec $java kafka.Kafka "$config"
