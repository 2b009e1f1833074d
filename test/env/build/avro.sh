#!/usr/bin/env bash
# Fetches Apache Avro's Java library from Maven Central into the test environment cache, so the
# tests can check Sabot's avro messages against Avro's own single-object encoder and decoder
# (test/helpers/java/AvroInterop.java). Only the avro jar: its Jackson and SLF4J dependencies are
# on the classpath already, from the Kafka broker's jars (kafka.sh), and the codecs it would pull
# (commons-compress) belong to container files, which the tests do not use.
# shellcheck source=lib/common.bash
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.bash"
dest="$cache/avro-$AVRO_VERSION"

if [[ -f "$dest/avro-$AVRO_VERSION.jar" ]]; then
  echo "avro $AVRO_VERSION jar already present: $dest"
  exit 0
fi

make_scratch avro
mkdir -p "$tmp/avro"
echo "resolving org.apache.avro:avro:$AVRO_VERSION from Maven Central"
# The plugin is pinned (as in kafka/pom.xml) so the copy does not depend on Maven's default.
mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="org.apache.avro:avro:$AVRO_VERSION" \
  -DoutputDirectory="$tmp/avro"

# Rename into place last so an interrupted download never looks cached.
rm -rf "$dest"
mv "$tmp/avro" "$dest"
echo "avro $AVRO_VERSION jar: $dest"
