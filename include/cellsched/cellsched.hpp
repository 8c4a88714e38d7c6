#pragma once
// Umbrella header: every host-side header of cellsched. CUDA probes live in cellsched/probe/ and are not
// included here.
#include "cellsched/version.hpp"
#include "cellsched/io/error.hpp"
#include "cellsched/io/json_reader.hpp"
#include "cellsched/hardware/gpu_type.hpp"
#include "cellsched/hardware/catalog.hpp"
#include "cellsched/hardware/cluster.hpp"
#include "cellsched/model/model.hpp"
#include "cellsched/schedule/job.hpp"
#include "cellsched/cell/cell.hpp"
#include "cellsched/estimate/result.hpp"
#include "cellsched/estimate/concepts.hpp"
#include "cellsched/estimate/profile.hpp"
