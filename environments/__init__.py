"""Gymnasium environments of imagery-agent, registered under the `imagery/` namespace.

    import gymnasium as gym, environments
    env = gym.make("imagery/MentalScanning-v0")
"""
from gymnasium.envs.registration import register, registry

if "imagery/MentalScanning-v0" not in registry:
    register(id="imagery/MentalScanning-v0", entry_point="environments.mental_scanning:MentalScanningEnv",
             max_episode_steps=1)
