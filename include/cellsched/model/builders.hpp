#pragma once
// Builders for the model families the paper and its traces use: dense transformers (GPT/BERT), mixture-of-
// experts transformers and Wide-ResNet. `build_transformer` picks dense or MoE from the configuration.
#include "cellsched/model/model.hpp"
#include "cellsched/model/moe.hpp"
#include "cellsched/model/transformer.hpp"
#include "cellsched/model/wide_resnet.hpp"

namespace cellsched {

/// Dense when `experts == 0`, mixture-of-experts otherwise.
[[nodiscard]] inline model build_transformer(const transformer_config& c) {
  return c.is_moe() ? build_moe_transformer(c) : build_dense_transformer(c);
}

}  // namespace cellsched
