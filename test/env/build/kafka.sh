#!/usr/bin/env bash
# Fetches the jars of a Kafka broker from Maven Central into the test environment cache, so the
# integration tests run a real single-node KRaft broker with `java -cp libs/*` and no tarball
# download from a site outside the package registries.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
dest="$cache/kafka-$KAFKA_VERSION"

if [[ -f "$dest/libs/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
  echo "kafka $KAFKA_VERSION jars already present: $dest/libs"
  exit 0
fi

make_scratch kafka

# Maven runs on a copy of the pom so its target/ folder lands in the scratch dir, not the repo.
cp "$here/kafka/pom.xml" "$tmp/pom.xml"
echo "resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central"
mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies \
  -Dkafka.version="$KAFKA_VERSION" \
  -DincludeScope=runtime \
  -DoutputDirectory="$tmp/kafka/libs"

# Rename into place last so an interrupted download never looks cached.
rm -rf "$dest"
mv "$tmp/kafka" "$dest"
echo "kafka $KAFKA_VERSION jars: $dest/libs ($(ls "$dest/libs" | wc -l) files)"
