#pragma once
// The built-in GPU types. Every figure is the vendor's published peak for DENSE math (sparse figures
// halved), cited per entry. Conventions used throughout:
// * intra_link_gb_per_s is per GPU and per direction: NVLink "600 GB/s" (bidirectional total) -> 300;
//   PCIe Gen3/4/5 x16 "32/64/128 GB/s" (bidirectional) -> 16/32/64.
// * inter_node_gb_per_s is the whole node's network: the DGX datasheet's NICs where a DGX exists
//   (e.g. DGX A100: 8 x 200 Gb/s HDR = 1.6 Tb/s = 200 GB/s). PCIe cards have no reference node; we assume
//   one NIC whose line rate matches a x16 slot of the card's PCIe generation (Gen3 100 Gb/s = 12.5 GB/s,
//   Gen4 200 Gb/s = 25 GB/s, Gen5 400 Gb/s = 50 GB/s) and 8 cards per node (the common 4U PCIe server).
//   Cluster files override both per node group.
// * nics_per_node: the DGX datasheets' compute-fabric NICs, one per GPU (8 on DGX A100/H100/H200/B200);
//   1 (one shared NIC) elsewhere.
// * A dtype the tensor cores lack is 0 (gpu_type::peak_tflops falls back to the next wider dtype).
// * mem_gb is the datasheet's decimal GB.
// * tdp_w is the board power the same datasheet (or specification page) names as maximum power consumption,
//   TDP or total graphics power: Tesla P100 datasheet 300 W (SXM2) / 250 W (PCIe); GeForce GTX 1080 Ti
//   specifications 250 W; Tesla V100 datasheet 300 W (SXM2); T4 datasheet 70 W; A100 datasheet 400 W
//   (SXM4, 40 and 80 GB); A10 datasheet 150 W; A40 datasheet 300 W; GeForce RTX 3090 specifications
//   350 W; L4 datasheet 72 W; L20 product specification 275 W; L40S datasheet 350 W; H100 datasheet up to
//   700 W (SXM) and 300-350 W configurable (PCIe: tdp_w 350, min_power_limit_w 300); H200 datasheet up to
//   700 W (SXM); HGX B200 specification 1,000 W. No datasheet publishes idle power (idle_w stays 0: the
//   energy model's stated share applies, hardware/power.hpp) nor, except the H100 PCIe's range, the lowest
//   power limit (min_power_limit_w 0). docs/energy-cost.md lists them.
#include <vector>

#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/gpu_type.hpp"

namespace cellsched {

/// The built-in GPU types, in generation order (oldest first).
[[nodiscard]] inline std::vector<gpu_type> builtin_gpu_types() {
  // clang-format off
  return {
      // Tesla P100 SXM2 16 GB. NVIDIA Tesla P100 datasheet: FP32 10.6, FP16 21.2 TFLOPS (no tensor
      // cores), 16 GB HBM2 at 732 GB/s, NVLink 160 GB/s bidirectional. DGX-1 (P100) datasheet: 8 GPUs,
      // 4 x 100 Gb/s EDR InfiniBand = 50 GB/s.
      {.name = "p100-16gb", .aliases = {"p100-sxm2-16gb", "tesla p100-sxm2-16gb"},
       .peak_fp32_tflops = 10.6, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 21.2, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 16.0, .mem_bw_gb_per_s = 732.0, .intra_link = "nvlink",
       .intra_link_gb_per_s = 80.0, .inter_node_gb_per_s = 50.0, .gpus_per_node = 8,
       .tdp_w = 300.0},
      // Tesla P100 PCIe 12 GB (the Arena artifact's "p100": 12 GB, 549 GB/s). NVIDIA Tesla P100
      // datasheet: FP32 9.3, FP16 18.7 TFLOPS, 12 GB CoWoS HBM2 at 549 GB/s, PCIe Gen3 x16.
      {.name = "p100-12gb", .aliases = {"p100", "p100-pcie-12gb", "tesla p100-pcie-12gb"},
       .peak_fp32_tflops = 9.3, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 18.7, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 12.0, .mem_bw_gb_per_s = 549.0, .intra_link = "pcie3",
       .intra_link_gb_per_s = 16.0, .inter_node_gb_per_s = 12.5, .gpus_per_node = 8,
       .tdp_w = 250.0},
      // GeForce GTX 1080 Ti. NVIDIA GTX 1080 Ti specifications: 3,584 CUDA cores at 1,582 MHz boost
      // -> 11.3 TFLOPS FP32; 11 GB GDDR5X, 11 Gbps x 352 bit = 484 GB/s; PCIe Gen3. GP102 runs FP16 at
      // 1/64 rate, so mixed precision gains nothing: fp16 is 0 (falls back to fp32).
      {.name = "1080ti", .aliases = {"gtx-1080-ti", "gtx1080ti", "nvidia geforce gtx 1080 ti"},
       .peak_fp32_tflops = 11.3, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 0.0, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 11.0, .mem_bw_gb_per_s = 484.0, .intra_link = "pcie3",
       .intra_link_gb_per_s = 16.0, .inter_node_gb_per_s = 12.5, .gpus_per_node = 8,
       .tdp_w = 250.0},
      // Tesla V100 SXM2 16/32 GB. NVIDIA Tesla V100 datasheet: FP32 15.7, tensor (FP16 mixed) 125
      // TFLOPS; HBM2 at 900 GB/s; NVLink 300 GB/s bidirectional (6 links x 25 GB/s per direction).
      // DGX-1 (V100) datasheet: 8 GPUs, 4 x 100 Gb/s EDR InfiniBand = 50 GB/s.
      {.name = "v100-16gb", .aliases = {"v100-sxm2-16gb", "tesla v100-sxm2-16gb"},
       .peak_fp32_tflops = 15.7, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 125.0, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 16.0, .mem_bw_gb_per_s = 900.0, .intra_link = "nvlink",
       .intra_link_gb_per_s = 150.0, .inter_node_gb_per_s = 50.0, .gpus_per_node = 8,
       .tdp_w = 300.0},
      // "v100" is the 32 GB part, as in the Arena reference cluster.
      {.name = "v100-32gb", .aliases = {"v100", "v100-sxm2-32gb", "tesla v100-sxm2-32gb"},
       .peak_fp32_tflops = 15.7, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 125.0, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 32.0, .mem_bw_gb_per_s = 900.0, .intra_link = "nvlink",
       .intra_link_gb_per_s = 150.0, .inter_node_gb_per_s = 50.0, .gpus_per_node = 8,
       .tdp_w = 300.0},
      // Tesla T4. NVIDIA T4 datasheet: FP32 8.1, mixed-precision FP16 65 TFLOPS; 16 GB GDDR6 at 320 GB/s;
      // PCIe Gen3 x16 (32 GB/s bidirectional).
      {.name = "t4", .aliases = {"tesla t4", "tesla-t4"},
       .peak_fp32_tflops = 8.1, .peak_tf32_tflops = 0.0, .peak_fp16_tflops = 65.0, .peak_bf16_tflops = 0.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 16.0, .mem_bw_gb_per_s = 320.0, .intra_link = "pcie3",
       .intra_link_gb_per_s = 16.0, .inter_node_gb_per_s = 12.5, .gpus_per_node = 8,
       .tdp_w = 70.0},
      // A100 SXM4 40 GB ("a100", as in the Arena reference cluster). NVIDIA A100 Tensor Core GPU
      // datasheet: FP32 19.5, TF32 156, BF16/FP16 312 TFLOPS dense; 40 GB HBM2 at 1,555 GB/s; NVLink
      // 600 GB/s. DGX A100 datasheet: 8 GPUs on NVSwitch, 8 x 200 Gb/s HDR InfiniBand = 200 GB/s.
      {.name = "a100-40gb", .aliases = {"a100", "a100-sxm4-40gb", "a100-sxm-40gb", "nvidia a100-sxm4-40gb"},
       .peak_fp32_tflops = 19.5, .peak_tf32_tflops = 156.0, .peak_fp16_tflops = 312.0, .peak_bf16_tflops = 312.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 40.0, .mem_bw_gb_per_s = 1555.0, .intra_link = "nvswitch",
       .intra_link_gb_per_s = 300.0, .inter_node_gb_per_s = 200.0, .gpus_per_node = 8,
       .nics_per_node = 8,
       .tdp_w = 400.0},
      // A100 SXM4 80 GB. Same datasheet: same compute, 80 GB HBM2e at 2,039 GB/s.
      {.name = "a100-80gb", .aliases = {"a100-sxm4-80gb", "a100-sxm-80gb", "nvidia a100-sxm4-80gb"},
       .peak_fp32_tflops = 19.5, .peak_tf32_tflops = 156.0, .peak_fp16_tflops = 312.0, .peak_bf16_tflops = 312.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 80.0, .mem_bw_gb_per_s = 2039.0, .intra_link = "nvswitch",
       .intra_link_gb_per_s = 300.0, .inter_node_gb_per_s = 200.0, .gpus_per_node = 8,
       .nics_per_node = 8,
       .tdp_w = 400.0},
      // A10. NVIDIA A10 datasheet: FP32 31.2, TF32 62.5, BF16/FP16 125 TFLOPS dense (250 sparse);
      // 24 GB GDDR6 at 600 GB/s; PCIe Gen4 x16 (64 GB/s bidirectional).
      {.name = "a10", .aliases = {"nvidia a10"},
       .peak_fp32_tflops = 31.2, .peak_tf32_tflops = 62.5, .peak_fp16_tflops = 125.0, .peak_bf16_tflops = 125.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 24.0, .mem_bw_gb_per_s = 600.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 150.0},
      // A40. NVIDIA A40 datasheet: FP32 37.4, TF32 74.8, BF16/FP16 149.7 TFLOPS dense; 48 GB GDDR6 at
      // 696 GB/s; PCIe Gen4 x16 (an NVLink bridge joins pairs at 112.5 GB/s; set it per cluster).
      {.name = "a40", .aliases = {"nvidia a40"},
       .peak_fp32_tflops = 37.4, .peak_tf32_tflops = 74.8, .peak_fp16_tflops = 149.7, .peak_bf16_tflops = 149.7,
       .peak_fp8_tflops = 0.0, .mem_gb = 48.0, .mem_bw_gb_per_s = 696.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 300.0},
      // GeForce RTX 3090. NVIDIA Ampere GA102 GPU architecture whitepaper, RTX 3090 column: FP32 35.6;
      // with FP32 accumulate (what training uses) TF32 35.6, FP16 71, BF16 71 TFLOPS dense; 24 GB GDDR6X
      // at 936 GB/s; PCIe Gen4 x16.
      {.name = "rtx-3090", .aliases = {"3090", "rtx3090", "geforce-rtx-3090", "nvidia geforce rtx 3090"},
       .peak_fp32_tflops = 35.6, .peak_tf32_tflops = 35.6, .peak_fp16_tflops = 71.0, .peak_bf16_tflops = 71.0,
       .peak_fp8_tflops = 0.0, .mem_gb = 24.0, .mem_bw_gb_per_s = 936.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 350.0},
      // L4. NVIDIA L4 datasheet: FP32 30.3; TF32 120, BF16/FP16 242, FP8 485 TFLOPS with sparsity ->
      // 60 / 121 / 242.5 dense; 24 GB GDDR6 at 300 GB/s; PCIe Gen4 x16.
      {.name = "l4", .aliases = {"nvidia l4"},
       .peak_fp32_tflops = 30.3, .peak_tf32_tflops = 60.0, .peak_fp16_tflops = 121.0, .peak_bf16_tflops = 121.0,
       .peak_fp8_tflops = 242.5, .mem_gb = 24.0, .mem_bw_gb_per_s = 300.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 72.0},
      // L20 (AD102, 92 SMs). NVIDIA L20 product specification: FP32 59.8, TF32 59.8, BF16/FP16 119.5,
      // FP8 239 TFLOPS dense (the L40's dense per-SM tensor rates); 48 GB GDDR6 at 864 GB/s; PCIe Gen4 x16.
      {.name = "l20", .aliases = {"nvidia l20"},
       .peak_fp32_tflops = 59.8, .peak_tf32_tflops = 59.8, .peak_fp16_tflops = 119.5, .peak_bf16_tflops = 119.5,
       .peak_fp8_tflops = 239.0, .mem_gb = 48.0, .mem_bw_gb_per_s = 864.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 275.0},
      // L40S. NVIDIA L40S datasheet: FP32 91.6; TF32 183, BF16/FP16 362.05, FP8 733 TFLOPS dense (366 /
      // 733 / 1,466 sparse); 48 GB GDDR6 at 864 GB/s; PCIe Gen4 x16.
      {.name = "l40s", .aliases = {"nvidia l40s"},
       .peak_fp32_tflops = 91.6, .peak_tf32_tflops = 183.0, .peak_fp16_tflops = 362.05, .peak_bf16_tflops = 362.05,
       .peak_fp8_tflops = 733.0, .mem_gb = 48.0, .mem_bw_gb_per_s = 864.0, .intra_link = "pcie4",
       .intra_link_gb_per_s = 32.0, .inter_node_gb_per_s = 25.0, .gpus_per_node = 8,
       .tdp_w = 350.0},
      // H100 SXM5 80 GB ("h100"). NVIDIA H100 Tensor Core GPU datasheet: FP32 67; TF32 989, BF16/FP16
      // 1,979, FP8 3,958 TFLOPS with sparsity -> 494.5 / 989.5 / 1,979 dense; 80 GB HBM3 at 3.35 TB/s;
      // NVLink 900 GB/s. DGX H100 datasheet: 8 GPUs on NVSwitch, 8 x 400 Gb/s ConnectX-7 = 400 GB/s.
      {.name = "h100-sxm", .aliases = {"h100", "h100-sxm5-80gb", "h100-80gb-hbm3", "nvidia h100 80gb hbm3"},
       .peak_fp32_tflops = 67.0, .peak_tf32_tflops = 494.5, .peak_fp16_tflops = 989.5, .peak_bf16_tflops = 989.5,
       .peak_fp8_tflops = 1979.0, .mem_gb = 80.0, .mem_bw_gb_per_s = 3350.0, .intra_link = "nvswitch",
       .intra_link_gb_per_s = 450.0, .inter_node_gb_per_s = 400.0, .gpus_per_node = 8,
       .nics_per_node = 8,
       .tdp_w = 700.0},
      // H100 PCIe 80 GB. Same datasheet: FP32 51; TF32 756, BF16/FP16 1,513, FP8 3,026 with sparsity ->
      // 378 / 756.5 / 1,513 dense; 80 GB HBM2e at 2 TB/s; PCIe Gen5 x16 (128 GB/s bidirectional).
      {.name = "h100-pcie", .aliases = {"h100-pcie-80gb", "nvidia h100 pcie"},
       .peak_fp32_tflops = 51.0, .peak_tf32_tflops = 378.0, .peak_fp16_tflops = 756.5, .peak_bf16_tflops = 756.5,
       .peak_fp8_tflops = 1513.0, .mem_gb = 80.0, .mem_bw_gb_per_s = 2000.0, .intra_link = "pcie5",
       .intra_link_gb_per_s = 64.0, .inter_node_gb_per_s = 50.0, .gpus_per_node = 8,
       .tdp_w = 350.0, .min_power_limit_w = 300.0},
      // H200 SXM. NVIDIA H200 Tensor Core GPU datasheet: compute as H100 SXM (FP32 67; 989 / 1,979 /
      // 3,958 sparse -> 494.5 / 989.5 / 1,979 dense); 141 GB HBM3e at 4.8 TB/s; NVLink 900 GB/s.
      // DGX H200 datasheet: 8 GPUs, 8 x 400 Gb/s ConnectX-7 = 400 GB/s.
      {.name = "h200", .aliases = {"h200-sxm", "h200-sxm-141gb", "nvidia h200"},
       .peak_fp32_tflops = 67.0, .peak_tf32_tflops = 494.5, .peak_fp16_tflops = 989.5, .peak_bf16_tflops = 989.5,
       .peak_fp8_tflops = 1979.0, .mem_gb = 141.0, .mem_bw_gb_per_s = 4800.0, .intra_link = "nvswitch",
       .intra_link_gb_per_s = 450.0, .inter_node_gb_per_s = 400.0, .gpus_per_node = 8,
       .nics_per_node = 8,
       .tdp_w = 700.0},
      // B200 (HGX B200, 1,000 W). NVIDIA GB200 NVL72 / HGX B200 specification table, per GPU: FP32 75;
      // TF32 2.2, BF16/FP16 4.5, FP8 9 PFLOPS with sparsity -> 1,100 / 2,250 / 4,500 TFLOPS dense;
      // 180 GB HBM3e at 7.7 TB/s; NVLink 5 1.8 TB/s. DGX B200 datasheet: 8 GPUs, 8 x 400 Gb/s = 400 GB/s.
      {.name = "b200", .aliases = {"b200-sxm", "nvidia b200"},
       .peak_fp32_tflops = 75.0, .peak_tf32_tflops = 1100.0, .peak_fp16_tflops = 2250.0, .peak_bf16_tflops = 2250.0,
       .peak_fp8_tflops = 4500.0, .mem_gb = 180.0, .mem_bw_gb_per_s = 7700.0, .intra_link = "nvswitch",
       .intra_link_gb_per_s = 900.0, .inter_node_gb_per_s = 400.0, .gpus_per_node = 8,
       .nics_per_node = 8,
       .tdp_w = 1000.0},
  };
  // clang-format on
}

/// The catalog of built-in types, built once. Copy it to add user types.
[[nodiscard]] inline const hardware_catalog& builtin_catalog() {
  static const hardware_catalog catalog(builtin_gpu_types());
  return catalog;
}

}  // namespace cellsched
