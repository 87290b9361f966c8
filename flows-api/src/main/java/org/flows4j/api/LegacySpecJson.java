package org.flows4j.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Rewrites spec JSON saved by earlier versions into today's format before it is read, so that checkpoints keep
 * loading while the records stay plain (the reader is strict and fills in no defaults). One rule so far:
 *
 * <ul>
 *   <li>a {@code maskedAutoregressive} step with {@code "scale": S} and no {@code "transform"} (written before the
 *       elementwise map became a choice) becomes {@code "transform": {"type": "affine", "scale": S}}.
 * </ul>
 */
final class LegacySpecJson {
  private LegacySpecJson() {}

  /** {@code json} in today's format; unchanged (the same string) when no rule applies. */
  static String upgrade(ObjectMapper mapper, String json) throws JsonProcessingException {
    if (!json.contains("maskedAutoregressive") || !json.contains("\"scale\"")) {
      return json;
    }
    JsonNode tree = mapper.readTree(json);
    return upgradeNode(tree) ? mapper.writeValueAsString(tree) : json;
  }

  private static boolean upgradeNode(JsonNode node) {
    boolean changed = false;
    if (node instanceof ObjectNode object && object.path("type").asText("").equals("maskedAutoregressive")
        && object.has("scale") && !object.has("transform")) {
      JsonNode scale = object.remove("scale");
      ObjectNode transform = object.putObject("transform");
      transform.put("type", "affine");
      transform.set("scale", scale);
      changed = true;
    }
    for (JsonNode child : node) {
      changed |= upgradeNode(child);
    }
    return changed;
  }
}
