// The built-in model zoo: every name the reference traces use, the GPT-3 family, lookup errors.
#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <string>

#include "../io/check_input_error.hpp"
#include "cellsched/model/zoo.hpp"

using namespace cellsched;

namespace {

/// "bert__2.6B" -> 2.6e9, "gpt3-125m" -> 125e6: the size a model's name claims.
double size_in_name(const std::string& name) {
  const auto sep = name.find("__") != std::string::npos ? name.find("__") + 2 : name.find('-') + 1;
  const std::string size = name.substr(sep);
  const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(size.back())));
  const double value = std::stod(size.substr(0, size.size() - 1));
  return value * (unit == 'b' ? 1e9 : 1e6);
}

}  // namespace

TEST_CASE("zoo: holds every model the reference traces name, with matching parameter counts") {
  const auto& zoo = builtin_model_zoo();
  const char* names[] = {"bert__350M", "bert__760M", "bert__1.3B", "bert__2.6B", "bert__6.7B", "bert__15B",
                         "bert__39B", "moe__690M", "moe__1.3B", "moe__2.4B", "moe__10B", "moe__27B", "moe__70B",
                         "wide_resnet__500M", "wide_resnet__1B", "wide_resnet__2B", "wide_resnet__4B",
                         "wide_resnet__6.8B", "wide_resnet__13B"};
  for (const char* n : names) {
    INFO(n);
    REQUIRE(zoo.contains(n));
    const model m = zoo.build(n);
    CHECK(m.name == n);
    CHECK(std::fabs(m.params() - size_in_name(n)) / size_in_name(n) < 0.04);
  }
  CHECK(spec_family(zoo.spec("bert__2.6B")) == "dense_transformer");
  CHECK(spec_family(zoo.spec("moe__10B")) == "moe_transformer");
  CHECK(spec_family(zoo.spec("wide_resnet__1B")) == "wide_resnet");
  CHECK(zoo.build("wide_resnet__1B").compute_dtype == dtype::fp32);
  CHECK(zoo.build("moe__10B").vocab == 32000);
  CHECK(zoo.build("bert__2.6B").vocab == 51200);
}

TEST_CASE("zoo: GPT-3 family (Brown et al. 2020) within 3 % of its names") {
  const auto& zoo = builtin_model_zoo();
  for (const char* n : {"gpt3-125m", "gpt3-350m", "gpt3-760m", "gpt3-1.3b", "gpt3-2.7b", "gpt3-6.7b", "gpt3-13b",
                        "gpt3-175b"}) {
    INFO(n);
    const model m = zoo.build(n);
    CHECK(m.seq_len == 2048);
    CHECK(m.vocab == 50257);
    CHECK(std::fabs(m.params() - size_in_name(n)) / size_in_name(n) < 0.03);
  }
  CHECK(std::fabs(zoo.build("gpt3-175b").params() - 175e9) / 175e9 < 0.02);
  CHECK(zoo.size() == 32);
}

TEST_CASE("zoo: unknown names fail with the list of known ones") {
  const auto& zoo = builtin_model_zoo();
  CHECK_FALSE(zoo.contains("bert__2.7B"));
  test::check_input_error([&] { (void)zoo.spec("bert__2.7B"); }, "", "model", "\"bert__2.7B\" (known: bert__1.3B, ");
  test::check_input_error([&] { (void)zoo.build("BERT__2.6B"); }, "", "model", "gpt3-175b");
}

TEST_CASE("zoo: names are unique and listed in sorted order") {
  model_zoo zoo;
  zoo.add(gpt_config(1024, 2, 16, 512));
  zoo.add(detail::arena_wide_resnet("a_wrn", 50, 2, 64));
  CHECK(zoo.names() == std::vector<std::string>{"a_wrn", "gpt-h1024-l2-a16-s512"});
  test::check_input_error([&] { zoo.add(gpt_config(1024, 2, 16, 512)); }, "", "name", "not already in the zoo");
  model custom;
  custom.name = "";
  test::check_input_error([&] { zoo.add(custom); }, "", "name", "non-empty");
}

TEST_CASE("zoo: make_gpt builds the vTrain-style shapes") {
  const model m = make_gpt(2048, 24, 16, 2048);
  CHECK(m.name == "gpt-h2048-l24-a16-s2048");
  CHECK(m.vocab == 50257);
  CHECK(m.num_layers() == 26);
  const double h = 2048;
  CHECK(m.params() == 24 * (12 * h * h + 13 * h) + 50257 * h + 2048 * h + 2 * h);
}

TEST_CASE("zoo: Llama 2 and Llama 3 have their published parameter counts exactly") {
  const auto& zoo = builtin_model_zoo();
  // Per layer (no biases, RMSNorm): attention h·(h + 2·g·d) + h², SwiGLU 3·h·f, two norms 2h; plus the
  // token embedding V·h, the untied output layer V·h and the final norm h; rotary: no position table.
  // llama2-7b: 32 x (4·4096² + 3·4096·11008 + 8192) + 2·32000·4096 + 4096 = 6,738,415,616.
  const struct {
    const char* name;
    double params;
  } expected[] = {{"llama2-7b", 6738415616.0},
                  {"llama2-13b", 13015864320.0},   // 40 x (4·5120² + 3·5120·13824 + 10240) + 2·32000·5120 + 5120
                  {"llama2-70b", 68976648192.0},   // 80 x (8192·10240 + 8192² + 3·8192·28672 + 16384) + ...
                  {"llama3-8b", 8030261248.0},     // 32 x (4096·6144 + 4096² + 3·4096·14336 + 8192) + ...
                  {"llama3-70b", 70553706496.0}};  // as llama2-70b with V = 128,256
  for (const auto& e : expected) {
    INFO(e.name);
    const model m = zoo.build(e.name);
    CHECK(m.params() == e.params);
    CHECK(m.compute_dtype == dtype::bf16);
    CHECK((m.rotary && m.untied_embeddings && m.rmsnorm && !m.linear_bias && m.swiglu && m.flash_attention));
  }
  const model m = zoo.build("llama2-7b");
  // Forward FLOPs per sample: per layer 2·s·3h·h (QKV) + 4·s²·h (scores, context) + 2·s·h² (projection)
  // + 2·s·2f·h (SwiGLU FC1) + 2·s·f·h (FC2) = 8sh² + 4s²h + 6sfh; plus the logits 2·s·V·h. s = h = 4096,
  // f = 11008, V = 32000: 32 x 1,932,735,283,200 + 1,073,741,824,000.
  CHECK(m.fwd_flops_per_sample() == 62921270886400.0);
  CHECK(zoo.build("llama2-70b").num_query_groups == 8);
  CHECK(zoo.build("llama3-8b").vocab == 128256);
  CHECK(zoo.build("llama3-70b").seq_len == 8192);
}
