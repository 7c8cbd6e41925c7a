volt-model 1
kind gbt
version fuzz-gbt
threshold 0.3
base_margin -1
calibration 1 0
features 2
feature rv_60s
feature rv_60s rv_300s
trees 2
tree 3
node 0 1 2 0 0.001 1
leaf 1 -0.5
leaf 2 0.5
tree 1
leaf 0 0.1
end
